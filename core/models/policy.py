"""Policy years and the per-year switches and parameters of categories and conditions."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class PolicyYear(Model):
    """A policy year. Its revision grows with every change so caches know when to refresh."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    title = fields.CharField(max_length=200, default="")
    is_current = fields.BooleanField(default=False)
    revision = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    categories: fields.ReverseRelation[CategorySetting]
    conditions: fields.ReverseRelation[ConditionSetting]

    class Meta:
        table = "policy_years"


class CategorySetting(Model):
    id = fields.IntField(primary_key=True)
    policy_year: fields.ForeignKeyRelation[PolicyYear] = fields.ForeignKeyField(
        "core.PolicyYear", related_name="categories", on_delete=fields.CASCADE
    )
    category_id = fields.CharField(max_length=64)
    enabled = fields.BooleanField(default=True)

    class Meta:
        table = "category_settings"
        unique_together = (("policy_year", "category_id"),)


class ConditionSetting(Model):
    """A condition's switch and parameter overrides for one policy year."""

    id = fields.IntField(primary_key=True)
    policy_year: fields.ForeignKeyRelation[PolicyYear] = fields.ForeignKeyField(
        "core.PolicyYear", related_name="conditions", on_delete=fields.CASCADE
    )
    category_id = fields.CharField(max_length=64)
    condition_id = fields.CharField(max_length=64)
    enabled = fields.BooleanField(default=True)
    parameters: Any = fields.JSONField(default=dict)

    class Meta:
        table = "condition_settings"
        unique_together = (("policy_year", "category_id", "condition_id"),)
