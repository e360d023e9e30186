"""The questionnaire (问答测试): a stateless walk through the categories' questions.

The client sends the answers so far; the service answers with the next question, or a
hint naming the conditions the answers point to. "上一步" (back) is the same call
without the last answer, "重置" (reset) the call with none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import DomainError, ErrorCode
from core.policy import EffectiveCondition, PolicyView
from core.questions import Question, QuestionOption

# Core's own question, asked first: every condition requires it.
INSURANCE_QUESTION = Question(
    id="social_insurance",
    category_id="",
    text="您是否有在广州缴纳社会保险?",
    options=(QuestionOption("yes", "是"), QuestionOption("no", "否")),
)


@dataclass(frozen=True)
class Answer:
    question_id: str
    option_id: str


@dataclass(frozen=True)
class AskedOption:
    id: str
    label: str


@dataclass(frozen=True)
class AskedQuestion:
    id: str
    category_id: str | None
    text: str
    options: tuple[AskedOption, ...]


@dataclass(frozen=True)
class Hint:
    conditions: tuple[EffectiveCondition, ...]
    text: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    answered: tuple[tuple[AskedQuestion, AskedOption], ...]
    next_question: AskedQuestion | None
    hint: Hint | None


def _label(option: QuestionOption, view: PolicyView, category_id: str) -> str:
    if not option.condition_ids:
        return option.label
    condition = view.condition(category_id, option.condition_ids[0])
    return option.label.format(**condition.parameters)


def _asked(question: Question, view: PolicyView) -> AskedQuestion | None:
    """The question as this year shows it, or None when none of its conditions is open.

    Options whose conditions are all switched off are left out; labels carry the
    year's parameters.
    """
    options = []
    points_somewhere = False
    for option in question.options:
        if option.condition_ids:
            enabled = tuple(
                c for c in option.condition_ids if _enabled(view, question.category_id, c)
            )
            if not enabled:
                continue
            points_somewhere = True
            option = QuestionOption(option.id, option.label, enabled)
            label = _label(option, view, question.category_id)
        else:
            label = option.label
        options.append(AskedOption(option.id, label))
    if question.category_id and not points_somewhere:
        return None
    return AskedQuestion(question.id, question.category_id or None, question.text, tuple(options))


def _enabled(view: PolicyView, category_id: str, condition_id: str) -> bool:
    try:
        view.condition(category_id, condition_id)
    except DomainError:
        return False
    return True


def questions_for(view: PolicyView) -> list[Question]:
    """Core's question, then the enabled categories' questions.

    Questions are ordered by their declared ``order`` (the seed asks high-level talent
    before skills, against the tab order), then by tab order.
    """
    contributed = [q for batch in view.hook("register_questions")() for q in batch]
    order = {c.id: i for i, c in enumerate(view.categories)}
    ordered = sorted(
        (q for q in contributed if q.category_id in order),
        key=lambda q: (q.order, order[q.category_id], q.id),
    )
    return [INSURANCE_QUESTION, *ordered]


def walk(view: PolicyView, answers: Sequence[Answer]) -> Step:
    asked_questions = [
        (q, a) for q in questions_for(view) if (a := _asked(q, view)) is not None and a.options
    ]
    answered: list[tuple[AskedQuestion, AskedOption]] = []
    notes: list[str] = []
    for index, answer in enumerate(answers):
        if index >= len(asked_questions):
            raise DomainError(ErrorCode.INVALID_INPUT, "问答已结束", field="answers")
        question, asked = asked_questions[index]
        if answer.question_id != question.id:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"第 {index + 1} 个回答应针对问题 {question.id}",
                field="answers",
            )
        option = next((o for o in question.options if o.id == answer.option_id), None)
        shown = next((o for o in asked.options if o.id == answer.option_id), None)
        if option is None or shown is None:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"问题 {question.id} 没有选项 {answer.option_id}",
                field="answers",
            )
        answered.append((asked, shown))
        if question is INSURANCE_QUESTION and option.id == "no":
            notes.append("各类入户条件均要求在广州就业并正常缴纳社会保险，请先在本市参加社会保险")
        if option.condition_ids:
            conditions = tuple(
                view.condition(question.category_id, c)
                for c in option.condition_ids
                if _enabled(view, question.category_id, c)
            )
            if index != len(answers) - 1:
                raise DomainError(ErrorCode.INVALID_INPUT, "问答已得出结果", field="answers")
            titles = "；".join(c.spec.title for c in conditions)
            return Step(
                tuple(answered),
                None,
                Hint(conditions, f"根据您的回答，您可能符合以下入户条件：{titles}", tuple(notes)),
            )
    if len(answers) < len(asked_questions):
        return Step(tuple(answered), asked_questions[len(answers)][1], None)
    why = "；".join(f"{q.text.rstrip('?？')}：{o.label}" for q, o in answered[1:])
    return Step(
        tuple(answered),
        None,
        Hint(
            (),
            f"根据您的回答（{why}），暂未找到符合的入户条件。"
            "可查看各类入户条件，或咨询各区人才服务管理办公室",
            tuple(notes),
        ),
    )
