"""Reference data core owns: employers (引进单位)."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class EmployerNature(enum.StrEnum):
    """What kind of employer it is. Only the first two review their employees' applications."""

    MUNICIPAL_INSTITUTION = "municipal_institution"  # 市直机关事业单位
    MUNICIPAL_SOE = "municipal_soe"  # 市属国有企业
    DISTRICT_INSTITUTION = "district_institution"  # 区属机关事业单位
    ENTERPRISE = "enterprise"  # 其他企业
    OTHER = "other"  # 社会组织等

    @property
    def reviews_applications(self) -> bool:
        return self in (EmployerNature.MUNICIPAL_INSTITUTION, EmployerNature.MUNICIPAL_SOE)


class Employer(Model):
    """An employer (引进单位), found by full name or by its 18- or 9-character code."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    # 统一社会信用代码; older records carry only the 9-character organisation code.
    credit_code = fields.CharField(max_length=18, null=True, unique=True)
    organisation_code = fields.CharField(max_length=9, null=True, db_index=True)
    nature = fields.CharEnumField(EmployerNature, max_length=32, default=EmployerNature.ENTERPRISE)
    phone = fields.CharField(max_length=32, default="")
    district = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "employers"
