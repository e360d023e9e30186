"""The questionnaire's question for tab (E) 其他, asked last."""

from __future__ import annotations

from core.questions import Question, QuestionOption
from plugins.other.conditions import (
    CATEGORY_ID,
    CITY_AGENCY_QUOTA,
    EMPLOYER_RELOCATION,
    KEY_ENTERPRISE,
    MARKET_INNOVATOR,
    PROVINCIAL_CENTRAL_UNIT,
)

QUESTIONS = [
    Question(
        id="other.circumstances",
        category_id=CATEGORY_ID,
        text="请问您是否属于以下情形之一?",
        order=6,
        options=(
            QuestionOption(
                "market_innovator", "经市场化评价认定的创新创业人才", (MARKET_INNOVATOR,)
            ),
            QuestionOption(
                "employer_relocation", "随用人单位整体迁入我市的在职人员", (EMPLOYER_RELOCATION,)
            ),
            QuestionOption(
                "provincial_central_unit",
                "中央、省驻穗单位因工作特殊需要引进的人员",
                (PROVINCIAL_CENTRAL_UNIT,),
            ),
            QuestionOption(
                "key_enterprise",
                "我市重点扶持企业引进的经营管理人员和专业技术人员",
                (KEY_ENTERPRISE,),
            ),
            QuestionOption(
                "city_agency_quota",
                "市直机关、事业单位因工作特殊需要引进的人员",
                (CITY_AGENCY_QUOTA,),
            ),
            QuestionOption("none", "以上均不是"),
        ),
    )
]
