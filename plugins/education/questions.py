"""The questionnaire's education question (问答测试: "请问您的学历是?")."""

from __future__ import annotations

from core.questions import Question, QuestionOption
from plugins.education.conditions import (
    BACHELOR,
    CATEGORY_ID,
    DOCTORAL,
    MASTER,
    OVERSEAS_BACHELOR,
)

# The seed asks about social insurance first (core's question), then education.
QUESTIONS = [
    Question(
        id="education.level",
        category_id=CATEGORY_ID,
        text="请问您的学历是?",
        order=2,
        options=(
            QuestionOption(
                "doctoral", "博士研究生学历或博士学位，年龄在{age_limit}周岁以下", (DOCTORAL,)
            ),
            QuestionOption(
                "master", "硕士研究生学历或硕士学位，年龄在{age_limit}周岁以下", (MASTER,)
            ),
            QuestionOption(
                "bachelor",
                "国内普通高校全日制大学本科学历并有学士学位，年龄在{age_limit}周岁以下",
                (BACHELOR,),
            ),
            QuestionOption(
                "overseas_bachelor",
                "国(境)外学士学位，年龄在{age_limit}周岁以下",
                (OVERSEAS_BACHELOR,),
            ),
            QuestionOption("none", "以上均不是"),
        ),
    )
]
