"""Administrators' changes to policy years: every change bumps the year's revision.

Activation is data: a category or condition is switched per policy year, and a
condition's parameters are overridden per policy year, never by editing code.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor, require_role
from core.errors import DomainError, ErrorCode
from core.models import CategorySetting, ConditionSetting, PolicyYear, Role
from core.plugins import PluginRegistry


class PolicyAdmin:
    def __init__(self, registry: PluginRegistry) -> None:
        self.registry = registry

    async def list_years(self, actor: Actor) -> list[PolicyYear]:
        _admin_id(actor)
        return await PolicyYear.all().order_by("-year")

    async def create_year(
        self,
        actor: Actor,
        year: int,
        *,
        title: str = "",
        copy_from: int | None = None,
        make_current: bool = False,
        request: audit.RequestInfo | None = None,
    ) -> PolicyYear:
        """A new policy year; ``copy_from`` copies another year's switches and overrides."""
        actor_id = _admin_id(actor)
        if not 2000 <= year <= 2100:
            raise DomainError(ErrorCode.INVALID_INPUT, "年度应在 2000 至 2100 之间", field="year")
        if await PolicyYear.filter(year=year).exists():
            raise DomainError(ErrorCode.POLICY_YEAR_EXISTS, f"{year} 年度已存在", field="year")
        async with in_transaction():
            source = None
            if copy_from is not None:
                source = await PolicyYear.get_or_none(year=copy_from)
                if source is None:
                    raise DomainError(
                        ErrorCode.NOT_FOUND, f"没有 {copy_from} 政策年度", field="copyFrom"
                    )
            row = await PolicyYear.create(year=year, title=title or f"{year} 年度")
            if source is not None:
                for cat in await CategorySetting.filter(policy_year_id=source.id):
                    await CategorySetting.create(
                        policy_year=row, category_id=cat.category_id, enabled=cat.enabled
                    )
                for cond in await ConditionSetting.filter(policy_year_id=source.id):
                    await ConditionSetting.create(
                        policy_year=row,
                        category_id=cond.category_id,
                        condition_id=cond.condition_id,
                        enabled=cond.enabled,
                        parameters=cond.parameters,
                    )
            if make_current:
                await self._make_current(row)
            await audit.record(
                "policy_year.create",
                actor_id=actor_id,
                subject_type="policy_year",
                subject_id=year,
                request=request,
            )
        await row.refresh_from_db()
        return row

    async def set_current(
        self, actor: Actor, year: int, *, request: audit.RequestInfo | None = None
    ) -> PolicyYear:
        actor_id = _admin_id(actor)
        row = await _year(year)
        async with in_transaction():
            await self._make_current(row)
            await audit.record(
                "policy_year.set_current",
                actor_id=actor_id,
                subject_type="policy_year",
                subject_id=year,
                request=request,
            )
        await row.refresh_from_db()
        return row

    async def _make_current(self, row: PolicyYear) -> None:
        await (
            PolicyYear.filter(is_current=True)
            .exclude(id=row.id)
            .update(is_current=False, revision=F("revision") + 1)
        )
        await PolicyYear.filter(id=row.id).update(is_current=True, revision=F("revision") + 1)

    async def set_category_enabled(
        self,
        actor: Actor,
        year: int,
        category_id: str,
        enabled: bool,
        *,
        request: audit.RequestInfo | None = None,
    ) -> PolicyYear:
        actor_id = _admin_id(actor)
        self.registry.category(category_id)
        row = await _year(year)
        async with in_transaction():
            setting, _ = await CategorySetting.get_or_create(
                policy_year_id=row.id, category_id=category_id
            )
            setting.enabled = enabled
            await setting.save(update_fields=["enabled"])
            await _bump(row)
            await audit.record(
                "policy_year.category_" + ("enable" if enabled else "disable"),
                actor_id=actor_id,
                subject_type="category",
                subject_id=f"{year}/{category_id}",
                request=request,
            )
        await row.refresh_from_db()
        return row

    async def set_condition_enabled(
        self,
        actor: Actor,
        year: int,
        category_id: str,
        condition_id: str,
        enabled: bool,
        *,
        request: audit.RequestInfo | None = None,
    ) -> PolicyYear:
        actor_id = _admin_id(actor)
        self.registry.category(category_id).condition(condition_id)
        row = await _year(year)
        async with in_transaction():
            setting, _ = await ConditionSetting.get_or_create(
                policy_year_id=row.id, category_id=category_id, condition_id=condition_id
            )
            setting.enabled = enabled
            await setting.save(update_fields=["enabled"])
            await _bump(row)
            await audit.record(
                "policy_year.condition_" + ("enable" if enabled else "disable"),
                actor_id=actor_id,
                subject_type="condition",
                subject_id=f"{year}/{category_id}/{condition_id}",
                request=request,
            )
        await row.refresh_from_db()
        return row

    async def set_condition_parameters(
        self,
        actor: Actor,
        year: int,
        category_id: str,
        condition_id: str,
        parameters: dict[str, Any],
        *,
        request: audit.RequestInfo | None = None,
    ) -> PolicyYear:
        """Override some of a condition's parameters for one year; ``None`` resets one."""
        actor_id = _admin_id(actor)
        spec = self.registry.category(category_id).condition(condition_id)
        resets = {k for k, v in parameters.items() if v is None}
        checked = spec.check_overrides({k: v for k, v in parameters.items() if v is not None})
        for name in resets:
            spec.parameter(name)
        row = await _year(year)
        async with in_transaction():
            setting, _ = await ConditionSetting.get_or_create(
                policy_year_id=row.id, category_id=category_id, condition_id=condition_id
            )
            merged = {k: v for k, v in setting.parameters.items() if k not in resets}
            merged.update(checked)
            setting.parameters = merged
            await setting.save(update_fields=["parameters"])
            await _bump(row)
            await audit.record(
                "policy_year.condition_parameters",
                actor_id=actor_id,
                subject_type="condition",
                subject_id=f"{year}/{category_id}/{condition_id}",
                reason=", ".join(f"{k}={v}" for k, v in parameters.items()),
                request=request,
            )
        await row.refresh_from_db()
        return row


def _admin_id(actor: Actor) -> int:
    return require_role(actor, Role.ADMIN).user_id


async def _year(year: int) -> PolicyYear:
    row = await PolicyYear.get_or_none(year=year)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"没有 {year} 政策年度", field="year")
    return row


async def _bump(row: PolicyYear) -> None:
    await PolicyYear.filter(id=row.id).update(revision=F("revision") + 1)
