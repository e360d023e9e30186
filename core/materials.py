"""Material kinds core owns, and what each section asks for.

Category plugins declare the kinds their conditions need (``ConditionSpec.materials``);
core owns the identity, household, settlement-address and family kinds.
"""

from __future__ import annotations

from core.categories import MaterialRequirement

ID_CARD = MaterialRequirement(
    "id_card_front", "居民身份证（人像面）", "姓名、性别、民族、出生日期、住址和身份证号码"
)
HOUSEHOLD_REGISTER = MaterialRequirement(
    "household_register_page", "户口本首页和本人页", "现户籍所在地及户籍身份信息"
)
PROPERTY_CERT = MaterialRequirement(
    "property_cert", "不动产权证书（房产证）", "落户房产的权利人和坐落"
)
RELATIONSHIP_PROOF = MaterialRequirement(
    "relationship_proof", "与房产权利人的直系亲属关系证明", "申办人与房产权利人为直系亲属"
)
COLLECTIVE_HOUSEHOLD = MaterialRequirement(
    "collective_household_page", "单位集体户口簿首页", "引进单位设有集体户并同意落户"
)
MARRIAGE_CERT = MaterialRequirement("marriage_cert", "结婚证（内页）", "与申办人的夫妻关系")
BIRTH_CERT = MaterialRequirement("birth_certificate", "出生医学证明", "与申办人的父母子女关系")
OTHER = MaterialRequirement("other", "其他材料", "附件下拉框中没有的证明材料", required=False)

CORE_KINDS: tuple[MaterialRequirement, ...] = (
    ID_CARD,
    HOUSEHOLD_REGISTER,
    PROPERTY_CERT,
    RELATIONSHIP_PROOF,
    COLLECTIVE_HOUSEHOLD,
    MARRIAGE_CERT,
    BIRTH_CERT,
    OTHER,
)

# 入户信息: the settlement address types and the evidence each needs.
ADDRESS_TYPES: dict[str, tuple[str, tuple[MaterialRequirement, ...]]] = {
    "own_property": ("本人合法产权房屋", (PROPERTY_CERT,)),
    "relative_property": ("直系亲属合法产权房屋", (PROPERTY_CERT, RELATIONSHIP_PROOF)),
    "collective_household": ("引进单位集体户", (COLLECTIVE_HOUSEHOLD,)),
}

# 随迁人员: who may move with the applicant, and what proves the relationship.
RELATIONSHIPS: dict[str, tuple[str, tuple[MaterialRequirement, ...]]] = {
    "spouse": ("配偶", (MARRIAGE_CERT, HOUSEHOLD_REGISTER)),
    "child": ("子女（未满18周岁）", (BIRTH_CERT, HOUSEHOLD_REGISTER)),
}
