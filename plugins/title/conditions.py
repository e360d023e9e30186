"""Tab (B) 职称类人才: the conditions as data, and the 28 title series.

A title of any series counts; the series list is what the form offers, and a series it
lacks is typed by hand (FAQ question 14).
"""

from __future__ import annotations

from core.categories import CategorySpec, ConditionSpec, MaterialRequirement, Parameter
from plugins.title.facts import TitleLevel

CATEGORY_ID = "title"

SENIOR = "senior"
INTERMEDIATE = "intermediate"

# 职称系列 as listed in the FAQ (question 14); "自然科学研究人员" is misprinted there.
TITLE_SERIES = (
    "高等学校教师",
    "中等专业学校教师",
    "中小学（幼儿园）教师",
    "实验技术人员",
    "自然科学研究人员",
    "社会科学研究人员",
    "技工学校教师",
    "工程技术人员",
    "经济专业人员",
    "会计专业人员",
    "统计专业人员",
    "农业技术人员",
    "卫生技术人员",
    "新闻专业人员",
    "体育教练员",
    "翻译",
    "广播电视播音",
    "出版专业人员",
    "工艺美术专业人员",
    "律师",
    "公证员",
    "图书资料专业人员",
    "文物博物专业人员",
    "档案专业人员",
    "艺术专业人员",
    "海关人员",
    "船舶技术人员",
    "民用航空飞行技术人员",
)

# The title levels each condition accepts.
LEVELS = {
    SENIOR: frozenset({TitleLevel.SENIOR_FULL, TitleLevel.SENIOR_DEPUTY}),
    INTERMEDIATE: frozenset({TitleLevel.INTERMEDIATE}),
}


def age_limit(limit: int) -> Parameter:
    return Parameter(
        name="age_limit",
        label="年龄上限",
        type="int",
        values={2020: limit},
        minimum=18,
        maximum=65,
        unit="周岁",
    )


def title_certificate(level: str) -> MaterialRequirement:
    return MaterialRequirement(
        kind="title_cert",
        label="职称证书（或对应职称的职业资格证书）",
        proves=f"具有{level}职称及其系列、资格名称和取得时间",
    )


HOUSEHOLD_REGISTER = MaterialRequirement(
    kind="household_register_page",
    label="户口本首页和本人页",
    proves="申办人现户籍所在地及户籍身份信息",
)

CONDITIONS = (
    ConditionSpec(
        id=SENIOR,
        title="具有高级职称（正高级或副高级），年龄在50周岁及以下",
        title_en="Senior professional title (full or deputy senior), aged 50 or under",
        order=1,
        parameters=(age_limit(50),),
        materials=(title_certificate("高级"), HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=INTERMEDIATE,
        title="具有中级职称，年龄在40周岁及以下",
        title_en="Intermediate professional title, aged 40 or under",
        order=2,
        parameters=(age_limit(40),),
        materials=(title_certificate("中级"), HOUSEHOLD_REGISTER),
    ),
)

CATEGORY = CategorySpec(
    id=CATEGORY_ID,
    label_zh="职称类人才",
    label_en="Professional title holders",
    tab="B",
    order=2,
    conditions=CONDITIONS,
    test_summary=("有职称", "无职称"),
    summary_order=1,
)
