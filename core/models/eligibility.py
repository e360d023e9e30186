"""A one-click test's analysis, kept so an application can start from what it found."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.crypto import EncryptedJSONField


class EligibilityAnalysis(Model):
    """The result of one one-click test (一键测试 / 一键申报 智能分析) for one person."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.User", related_name="analyses", on_delete=fields.CASCADE
    )
    policy_year: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.PolicyYear", related_name="analyses", on_delete=fields.CASCADE
    )
    user_id: int
    policy_year_id: int
    reference_date = fields.DateField()
    # Encrypted: the numbers the person typed and what the government shared database
    # says of them (records found, insurance, age, degrees, an earlier settlement).
    certificate_numbers: Any = EncryptedJSONField(default=dict)
    summary: Any = EncryptedJSONField(default=list)
    prerequisites: Any = EncryptedJSONField(default=list)
    results: Any = EncryptedJSONField(default=list)
    barred: Any = EncryptedJSONField(null=True)
    # Set from the service's clock: its validity is judged by the same clock.
    created_at = fields.DatetimeField()

    class Meta:
        table = "eligibility_analyses"
