"""A one-click test's analysis, kept so an application can start from what it found."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


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
    certificate_numbers: Any = fields.JSONField(default=dict)
    summary: Any = fields.JSONField(default=list)
    prerequisites: Any = fields.JSONField(default=list)
    results: Any = fields.JSONField(default=list)
    barred: Any = fields.JSONField(null=True)
    # Set from the service's clock: its validity is judged by the same clock.
    created_at = fields.DatetimeField()

    class Meta:
        table = "eligibility_analyses"
