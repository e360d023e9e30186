"""The questionnaire's high-level talent question ("您是否是我市高层次、高技能人才?")."""

from __future__ import annotations

from core.questions import Question, QuestionOption
from plugins.high_level.conditions import (
    ACADEMICIAN_PROGRAMME,
    CATEGORY_ID,
    CITY_EXPERT,
    SKILLED_HONOUR,
)

# The seed asks this after the title question and before the skill question.
QUESTIONS = [
    Question(
        id="high_level.recognised",
        category_id=CATEGORY_ID,
        text="您是否是我市高层次、高技能人才?",
        order=4,
        options=(
            QuestionOption("yes", "是", (ACADEMICIAN_PROGRAMME, CITY_EXPERT, SKILLED_HONOUR)),
            QuestionOption("no", "否"),
        ),
    )
]
