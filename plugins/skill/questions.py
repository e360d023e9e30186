"""The questionnaire's skill question ("请问您是否具备以下条件?").

Worded as the seed's questionnaire, with the insurance months as placeholders, so that a
policy year before 2020 shows the older figures (12 months for a technician, ...).
"""

from __future__ import annotations

from core.questions import Question, QuestionOption
from plugins.skill.conditions import (
    CATEGORY_ID,
    PROFESSIONAL_QUALIFICATION,
    SENIOR_TECHNICIAN,
    SENIOR_WORKER,
    SHORTAGE,
    TECHNICIAN,
)

_CATALOGUE = "从事我市引进技术技能人才职业目录内相关职业"
_INSURED = "在本市就业、连续缴纳社会保险满{insurance_months}个月以上"


def _grade(grade: str) -> str:
    return f"{_CATALOGUE}，并获得相应{grade}职业资格后，{_INSURED}"


# The seed asks about high-level talent (order 4) before skills.
QUESTIONS = [
    Question(
        id="skill.conditions",
        category_id=CATEGORY_ID,
        text="请问您是否具备以下条件?",
        order=5,
        options=(
            QuestionOption("senior_technician", _grade("高级技师"), (SENIOR_TECHNICIAN,)),
            QuestionOption("technician", _grade("技师"), (TECHNICIAN,)),
            QuestionOption(
                "professional_qualification",
                _grade("专业技术人员"),
                (PROFESSIONAL_QUALIFICATION,),
            ),
            QuestionOption("senior_worker", _grade("高级工"), (SENIOR_WORKER,)),
            QuestionOption(
                "shortage_occupation",
                f"{_CATALOGUE}自获得证书或考核认定后在本市工作、参加社保满{{insurance_months}}个月以上，"
                "从事我市产业发展急需的行业紧缺工种",
                (SHORTAGE,),
            ),
            QuestionOption("none", "以上均不具有"),
        ),
    )
]
