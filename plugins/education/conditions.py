"""Tab (A) 学历类人才: the conditions as data, with their dated parameters and materials.

Article 5 of 《广州市引进人才入户管理办法》 (穗府办规〔2020〕10号). Ages are whole years
on the day of application, "N周岁及以下" including N.
"""

from __future__ import annotations

from core.categories import CategorySpec, ConditionSpec, MaterialRequirement, Parameter

CATEGORY_ID = "education"

DOCTORAL = "doctoral"
MASTER = "master"
BACHELOR = "bachelor"
OVERSEAS_BACHELOR = "overseas_bachelor"


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


DIPLOMA = MaterialRequirement(
    kind="diploma",
    label="学历证书",
    proves="学历层次、毕业院校、学习形式（普通高校全日制）和毕业时间",
)
DEGREE = MaterialRequirement(
    kind="degree_cert",
    label="学位证书",
    proves="学位层次、授予单位和授予时间",
)
OVERSEAS_CERTIFICATION = MaterialRequirement(
    kind="overseas_degree_certification",
    label="国(境)外学历学位认证书（教育部留学服务中心出具）",
    proves="国(境)外学位经国家认证及其层次",
)
HOUSEHOLD_REGISTER = MaterialRequirement(
    kind="household_register_page",
    label="户口本首页和本人页",
    proves="申办人现户籍所在地及户籍身份信息",
)


def _either(level: str, overseas: bool = True) -> tuple[MaterialRequirement, ...]:
    """Diploma or degree: each is optional, at least one of them is needed."""
    either = f"（{level}学历证书与学位证书至少提供一项）"
    items = [
        MaterialRequirement(DIPLOMA.kind, DIPLOMA.label, DIPLOMA.proves + either, required=False),
        MaterialRequirement(DEGREE.kind, DEGREE.label, DEGREE.proves + either, required=False),
    ]
    if overseas:
        items.append(
            MaterialRequirement(
                OVERSEAS_CERTIFICATION.kind,
                OVERSEAS_CERTIFICATION.label,
                f"国(境)外{level}学位经国家认证（学位在国(境)外取得时提供）",
                required=False,
            )
        )
    return (*items, HOUSEHOLD_REGISTER)


CONDITIONS = (
    ConditionSpec(
        id=DOCTORAL,
        title="具有博士研究生学历或博士学位，年龄在50周岁及以下",
        title_en="Doctoral education or doctoral degree, aged 50 or under",
        order=1,
        parameters=(age_limit(50),),
        materials=_either("博士"),
    ),
    ConditionSpec(
        id=MASTER,
        title="具有硕士研究生学历或硕士学位，年龄在45周岁及以下",
        title_en="Master's education or master's degree, aged 45 or under",
        order=2,
        parameters=(age_limit(45),),
        materials=_either("硕士"),
    ),
    ConditionSpec(
        id=BACHELOR,
        title="具有国内普通高校全日制大学本科学历并有学士学位，年龄在40周岁及以下",
        title_en=(
            "Full-time bachelor's education at a regular Chinese university "
            "and a bachelor's degree, aged 40 or under"
        ),
        order=3,
        parameters=(age_limit(40),),
        materials=(DIPLOMA, DEGREE, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=OVERSEAS_BACHELOR,
        title="具有国(境)外学士学位，年龄在40周岁及以下",
        title_en="Bachelor's degree from abroad, aged 40 or under",
        order=4,
        parameters=(age_limit(40),),
        materials=(OVERSEAS_CERTIFICATION, HOUSEHOLD_REGISTER),
    ),
)

CATEGORY = CategorySpec(
    id=CATEGORY_ID,
    label_zh="学历类人才",
    label_en="Degree holders",
    tab="A",
    order=1,
    conditions=CONDITIONS,
    test_summary=("有学历学位信息", "无学历学位信息"),
    summary_order=2,
)
