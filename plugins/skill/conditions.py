"""Tab (C) 技能类人才: the conditions as data, with their dated parameters and materials.

Every condition needs an occupation in the city's catalogue and continuous social
insurance in Guangzhou for some months after the certificate; the months are dated data.
The 2020 policy asks 6 months of every grade. The older figures (dated 2017, which the
seed's questionnaire still shows) were 6 months for a senior technician and a shortage
occupation, 1 year for a technician and a professional qualification, 2 years for a
senior worker.
"""

from __future__ import annotations

from core.categories import CategorySpec, ConditionSpec, MaterialRequirement, Parameter
from plugins.skill.facts import Grade

CATEGORY_ID = "skill"

PROFESSIONAL_QUALIFICATION = "professional_qualification"
SENIOR_TECHNICIAN = "senior_technician"
TECHNICIAN = "technician"
SENIOR_WORKER = "senior_worker"
SHORTAGE = "shortage_occupation"

# The certificate grade each grade condition asks for (the shortage condition takes any).
GRADES = {
    PROFESSIONAL_QUALIFICATION: Grade.PROFESSIONAL_QUALIFICATION,
    SENIOR_TECHNICIAN: Grade.SENIOR_TECHNICIAN,
    TECHNICIAN: Grade.TECHNICIAN,
    SENIOR_WORKER: Grade.SENIOR_WORKER,
}

COMMON = (
    "从事我市引进技术技能人才职业目录内相关职业且获得证书或考核认定后在本市工作、参加社保满半年以上"
)


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


def insurance_months(months_2020: int, months_2017: int | None = None) -> Parameter:
    values = {2020: months_2020}
    if months_2017 is not None and months_2017 != months_2020:
        values = {2017: months_2017, **values}
    return Parameter(
        name="insurance_months",
        label="取得证书后在本市连续缴纳社会保险月数",
        type="int",
        values=values,
        minimum=0,
        maximum=120,
        unit="个月",
    )


SKILL_CERTIFICATE = MaterialRequirement(
    kind="skill_cert",
    label="职业资格证书及发证机关网上查询、确认、核验材料",
    proves="职业资格等级、职业（工种）名称和发证时间，且证书经发证机关核验属实",
)
SHORTAGE_CERTIFICATE = MaterialRequirement(
    kind="skill_cert",
    label="职业资格证书或考核认定材料，及发证机关网上查询、确认、核验材料",
    proves="从事的职业（工种）属行业紧缺工种，及取得证书或考核认定的时间",
)
HOUSEHOLD_REGISTER = MaterialRequirement(
    kind="household_register_page",
    label="户口本首页和本人页",
    proves="申办人现户籍所在地及户籍身份信息",
)

CONDITIONS = (
    ConditionSpec(
        id=PROFESSIONAL_QUALIFICATION,
        title=f"{COMMON}，具有专业技术人员职业资格，年龄在40周岁及以下",
        title_en=(
            "Catalogued occupation, insured in Guangzhou after the certificate, "
            "professional qualification, aged 40 or under"
        ),
        order=1,
        parameters=(age_limit(40), insurance_months(6, 12)),
        materials=(SKILL_CERTIFICATE, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=SENIOR_TECHNICIAN,
        title=f"{COMMON}，具有高级技师职业资格，年龄在45周岁及以下",
        title_en=(
            "Catalogued occupation, insured in Guangzhou after the certificate, "
            "senior technician, aged 45 or under"
        ),
        order=2,
        parameters=(age_limit(45), insurance_months(6, 6)),
        materials=(SKILL_CERTIFICATE, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=TECHNICIAN,
        title=f"{COMMON}，具有技师职业资格，年龄在40周岁及以下",
        title_en=(
            "Catalogued occupation, insured in Guangzhou after the certificate, "
            "technician, aged 40 or under"
        ),
        order=3,
        parameters=(age_limit(40), insurance_months(6, 12)),
        materials=(SKILL_CERTIFICATE, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=SENIOR_WORKER,
        title=f"{COMMON}，具有高级工职业资格，年龄在35周岁及以下",
        title_en=(
            "Catalogued occupation, insured in Guangzhou after the certificate, "
            "senior worker, aged 35 or under"
        ),
        order=4,
        parameters=(age_limit(35), insurance_months(6, 24)),
        materials=(SKILL_CERTIFICATE, HOUSEHOLD_REGISTER),
    ),
    ConditionSpec(
        id=SHORTAGE,
        title=f"{COMMON}，从事我市产业发展急需的行业紧缺工种，年龄在40周岁及以下",
        title_en=(
            "Catalogued occupation, insured in Guangzhou after the certificate or assessment, "
            "a shortage occupation the city's industries need, aged 40 or under"
        ),
        order=5,
        parameters=(age_limit(40), insurance_months(6, 6)),
        materials=(SHORTAGE_CERTIFICATE, HOUSEHOLD_REGISTER),
    ),
)

CATEGORY = CategorySpec(
    id=CATEGORY_ID,
    label_zh="技能类人才",
    label_en="Skilled workers",
    tab="C",
    order=3,
    conditions=CONDITIONS,
)
