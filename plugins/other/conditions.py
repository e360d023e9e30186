"""Tab (E) 其他: conditions resting on a unit's certificate, which the district reviews.

None has an age limit. The city agencies' special needs are a separate quota
(总量控制类).
"""

from __future__ import annotations

from core.categories import CategorySpec, ConditionSpec, MaterialRequirement

CATEGORY_ID = "other"

MARKET_INNOVATOR = "market_innovator"
EMPLOYER_RELOCATION = "employer_relocation"
PROVINCIAL_CENTRAL_UNIT = "provincial_central_unit"
KEY_ENTERPRISE = "key_enterprise"
CITY_AGENCY_QUOTA = "city_agency_quota"

# Whose certificate proves each condition: the district reviews it.
CERTIFICATES = {
    MARKET_INNOVATOR: "市人才工作主管部门出具的市场化评价认定证明",
    EMPLOYER_RELOCATION: "迁入单位出具并经市有关主管部门批准的整体迁入证明",
    PROVINCIAL_CENTRAL_UNIT: "中央、省驻穗单位人事部门出具的工作特殊需要证明",
    KEY_ENTERPRISE: "企业所属行业主管部门出具的重点扶持企业及其经营管理、专业技术人员证明",
    CITY_AGENCY_QUOTA: "市直机关、事业单位出具并经其主管部门审核同意的工作特殊需要证明",
}

HOUSEHOLD_REGISTER = MaterialRequirement(
    kind="household_register_page",
    label="户口本首页和本人页",
    proves="申办人现户籍所在地及户籍身份信息",
)


def _materials(condition_id: str, proves: str) -> tuple[MaterialRequirement, ...]:
    return (
        MaterialRequirement(
            kind="employer_certificate", label=CERTIFICATES[condition_id], proves=proves
        ),
        HOUSEHOLD_REGISTER,
    )


CONDITIONS = (
    ConditionSpec(
        id=MARKET_INNOVATOR,
        title="经市场化评价认定的创新创业人才",
        title_en="Innovators and entrepreneurs recognised by market-based assessment",
        order=1,
        materials=_materials(MARKET_INNOVATOR, "申办人经市场化评价认定为创新创业人才"),
    ),
    ConditionSpec(
        id=EMPLOYER_RELOCATION,
        title="随用人单位整体迁入我市的在职人员",
        title_en="Employees moving with their whole employer to Guangzhou",
        order=2,
        materials=_materials(EMPLOYER_RELOCATION, "用人单位整体迁入我市，申办人为其在职人员"),
    ),
    ConditionSpec(
        id=PROVINCIAL_CENTRAL_UNIT,
        title="中央、省驻穗单位因工作特殊需要引进的人员",
        title_en="Special needs of central and provincial units in Guangzhou",
        order=3,
        materials=_materials(PROVINCIAL_CENTRAL_UNIT, "中央、省驻穗单位因工作特殊需要引进申办人"),
    ),
    ConditionSpec(
        id=KEY_ENTERPRISE,
        title="我市重点扶持企业引进的经营管理人员和专业技术人员",
        title_en="Managers and specialists of enterprises the city supports",
        order=4,
        materials=_materials(
            KEY_ENTERPRISE, "引进单位为我市重点扶持企业，申办人为其经营管理或专业技术人员"
        ),
    ),
    ConditionSpec(
        id=CITY_AGENCY_QUOTA,
        title="市直机关、事业单位因工作特殊需要引进的人员（总量控制类）",
        title_en="Special needs of city agencies and institutions (separate quota)",
        order=5,
        materials=_materials(
            CITY_AGENCY_QUOTA, "市直机关、事业单位因工作特殊需要引进申办人，纳入总量控制"
        ),
    ),
)

CATEGORY = CategorySpec(
    id=CATEGORY_ID,
    label_zh="其他",
    label_en="Other",
    tab="E",
    order=5,
    conditions=CONDITIONS,
)
