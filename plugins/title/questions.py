"""The questionnaire's title question ("请问您是否具有以下职称?")."""

from __future__ import annotations

from core.questions import Question, QuestionOption
from plugins.title.conditions import CATEGORY_ID, INTERMEDIATE, SENIOR

QUESTIONS = [
    Question(
        id="title.level",
        category_id=CATEGORY_ID,
        text="请问您是否具有以下职称?",
        order=3,
        options=(
            QuestionOption("senior", "高级职称，年龄在{age_limit}周岁以下", (SENIOR,)),
            QuestionOption("intermediate", "中级职称，年龄在{age_limit}周岁以下", (INTERMEDIATE,)),
            QuestionOption("none", "以上均不具有"),
        ),
    )
]
