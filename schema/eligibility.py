"""The one-click test, the questionnaire, and starting an application."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from core.models import EligibilityAnalysis as AnalysisRow
from core.questionnaire import Answer, AskedQuestion, Step, walk
from schema.applications import Application, ApplicationResult
from schema.context import Info
from schema.errors import OperationError, attempt
from schema.policy import Condition


@strawberry.enum(description="met / not met / cannot tell from the data available")
class Outcome(enum.Enum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


@strawberry.type
class Fact:
    name: str
    value: str


@strawberry.type(description="One condition judged, with reasons a person understands.")
class ConditionEvaluation:
    category_id: str
    condition_id: str
    title: str
    outcome: Outcome
    reasons: list[str]
    facts: list[Fact]
    proven_by_shared_data: bool = strawberry.field(
        description="Shared data alone proves it: eligible for immediate approval (智能审批)."
    )


@strawberry.type(
    description="Whether shared data held records of a category (the seeds' four cases)."
)
class CategoryFinding:
    category_id: str
    found: bool
    text: str


@strawberry.type(
    description="A requirement every condition shares, e.g. social insurance paid now."
)
class Requirement:
    id: str
    ok: bool | None
    reason: str


@strawberry.type(description="禁止再报: an earlier completed talent settlement.")
class ReapplicationBar:
    year: int
    district: str


@strawberry.type(description="The one-click test's analysis (智能分析).")
class EligibilityAnalysis:
    id: strawberry.ID
    reference_date: date
    created_at: datetime
    case_text: str = strawberry.field(description="e.g. 无职称，有学历学位信息")
    summary: list[CategoryFinding]
    prerequisites: list[Requirement]
    barred: ReapplicationBar | None
    conditions: list[ConditionEvaluation]

    @strawberry.field(description="The conditions met, in tab order.")
    def met_conditions(self) -> list[ConditionEvaluation]:
        return [c for c in self.conditions if c.outcome == Outcome.MET]

    @classmethod
    def of(cls, row: AnalysisRow) -> EligibilityAnalysis:
        return cls(
            id=strawberry.ID(str(row.id)),
            reference_date=row.reference_date,
            created_at=row.created_at,
            case_text="，".join(s["text"] for s in row.summary),
            summary=[
                CategoryFinding(category_id=s["categoryId"], found=s["found"], text=s["text"])
                for s in row.summary
            ],
            prerequisites=[
                Requirement(id=p["id"], ok=p["ok"], reason=p["reason"]) for p in row.prerequisites
            ],
            barred=ReapplicationBar(**row.barred) if row.barred else None,
            conditions=[_evaluation(r) for r in row.results],
        )


def _evaluation(r: dict[str, Any]) -> ConditionEvaluation:
    return ConditionEvaluation(
        category_id=r["categoryId"],
        condition_id=r["conditionId"],
        title=r["title"],
        outcome=Outcome(r["outcome"]),
        reasons=list(r["reasons"]),
        facts=[Fact(name=k, value=str(v)) for k, v in r["facts"].items()],
        proven_by_shared_data=r["provenBySharedData"],
    )


@strawberry.input
class CertificateNumberInput:
    kind: str = strawberry.field(
        description='e.g. "diploma" (学历证书编号), "degree" (学位证书编号)'
    )
    number: str


@strawberry.input
class EligibilityTestInput:
    verification_id: strawberry.ID = strawberry.field(
        description="A passed SHARED_DATA face verification, no older than 179 seconds."
    )
    notice_accepted: bool = strawberry.field(description="办理须知 read and accepted.")
    certificate_numbers: list[CertificateNumberInput] = strawberry.field(
        default_factory=list, description="Optional; empty to skip (跳过)."
    )


@strawberry.input
class AnswerInput:
    question_id: str
    option_id: str


@strawberry.type
class QuestionOption:
    id: str
    label: str


@strawberry.type
class Question:
    id: str
    category_id: str | None
    text: str
    options: list[QuestionOption]

    @classmethod
    def of(cls, q: AskedQuestion) -> Question:
        return cls(
            id=q.id,
            category_id=q.category_id,
            text=q.text,
            options=[QuestionOption(id=o.id, label=o.label) for o in q.options],
        )


@strawberry.type
class AnsweredQuestion:
    question: Question
    answer: QuestionOption


@strawberry.type(description="Where the questionnaire's answers point.")
class QuestionnaireHint:
    text: str
    notes: list[str]
    conditions: list[Condition]


@strawberry.type(
    description="The questionnaire after the answers so far: ask `next`, or show `hint`."
)
class QuestionnaireStep:
    answered: list[AnsweredQuestion]
    next: Question | None
    hint: QuestionnaireHint | None

    @classmethod
    def of(cls, step: Step, year: int) -> QuestionnaireStep:
        return cls(
            answered=[
                AnsweredQuestion(
                    question=Question.of(q), answer=QuestionOption(id=o.id, label=o.label)
                )
                for q, o in step.answered
            ],
            next=Question.of(step.next_question) if step.next_question else None,
            hint=QuestionnaireHint(
                text=step.hint.text,
                notes=list(step.hint.notes),
                conditions=[Condition.of(c, year) for c in step.hint.conditions],
            )
            if step.hint
            else None,
        )


AnalysisResult = Annotated[
    EligibilityAnalysis | OperationError, strawberry.union("EligibilityAnalysisResult")
]
QuestionnaireResult = Annotated[
    QuestionnaireStep | OperationError, strawberry.union("QuestionnaireResult")
]


@strawberry.type
class ReopenedRight:
    id_number: str
    reason: str


ReopenResult = Annotated[ReopenedRight | OperationError, strawberry.union("ReopenRightResult")]


@strawberry.type
class EligibilityQuery:
    @strawberry.field(description="An analysis of yours, by id.")
    async def eligibility_analysis(self, info: Info, id: strawberry.ID) -> AnalysisResult:
        async def run() -> EligibilityAnalysis:
            row = await info.context.services.eligibility.get(info.context.require_actor(), str(id))
            return EligibilityAnalysis.of(row)

        return await attempt(run())

    @strawberry.field(
        description="问答测试: the next question after `answers`, or the hint they lead to. "
        "Back (上一步) drops the last answer; reset (重置) sends none."
    )
    async def questionnaire(self, info: Info, answers: list[AnswerInput]) -> QuestionnaireResult:
        async def run() -> QuestionnaireStep:
            view = await info.context.policy()
            step = walk(view, [Answer(a.question_id, a.option_id) for a in answers])
            return QuestionnaireStep.of(step, view.year)

        return await attempt(run())


@strawberry.type
class EligibilityMutation:
    @strawberry.mutation(
        description="一键测试 / 一键申报's analysis: reads your government shared data after a "
        "fresh face verification and judges every enabled condition."
    )
    async def run_eligibility_test(self, info: Info, input: EligibilityTestInput) -> AnalysisResult:
        async def run() -> EligibilityAnalysis:
            auth = info.context.require_auth()
            row = await info.context.services.eligibility.analyse(
                auth.actor,
                auth.user,
                verification_id=str(input.verification_id),
                notice_accepted=input.notice_accepted,
                certificate_numbers={c.kind: c.number for c in input.certificate_numbers},
                request=info.context.request_info,
            )
            return EligibilityAnalysis.of(row)

        return await attempt(run())

    @strawberry.mutation(
        description="开始申报: a draft application from an analysis. Without a condition the "
        "analysis must have found exactly one (else CONDITION_CHOICE_REQUIRED lists them); "
        "with one (自主选择入户条件申报) any enabled condition may be chosen."
    )
    async def start_application(
        self,
        info: Info,
        analysis_id: strawberry.ID,
        category_id: str | None = None,
        condition_id: str | None = None,
    ) -> ApplicationResult:
        async def run() -> Application:
            row = await info.context.services.eligibility.start_application(
                info.context.require_actor(),
                analysis_id=str(analysis_id),
                category_id=category_id,
                condition_id=condition_id,
                request=info.context.request_info,
            )
            return Application.of(row)

        return await attempt(run())

    @strawberry.mutation(description="开通再次申报权限 (district reviewers, administrators).")
    async def reopen_application_right(
        self, info: Info, id_number: str, reason: str
    ) -> ReopenResult:
        async def run() -> ReopenedRight:
            permit = await info.context.services.eligibility.reopen_right(
                info.context.require_actor(), id_number, reason, request=info.context.request_info
            )
            return ReopenedRight(id_number=permit.id_number, reason=permit.reason)

        return await attempt(run())
