"""Policy years: which categories and conditions are on, with which parameters.

A :class:`PolicyView` is the answer for one policy year at one revision. Views are
cached per ``(policy year, revision)``; every administrative change bumps the
revision, so the next request sees it without a restart, in every worker process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.categories import CategorySpec, ConditionSpec
from core.errors import DomainError, ErrorCode
from core.models import CategorySetting, ConditionSetting, PolicyYear
from core.plugins import PluginRegistry


@dataclass(frozen=True)
class EffectiveCondition:
    category_id: str
    spec: ConditionSpec
    enabled: bool
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class EffectiveCategory:
    spec: CategorySpec
    enabled: bool
    conditions: tuple[EffectiveCondition, ...]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class PolicyView:
    """One policy year as requests see it."""

    registry: PluginRegistry
    policy_year_id: int
    year: int
    revision: int
    all_categories: tuple[EffectiveCategory, ...]

    @property
    def categories(self) -> tuple[EffectiveCategory, ...]:
        """Enabled categories in tab order."""
        return tuple(c for c in self.all_categories if c.enabled)

    @property
    def disabled_category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.all_categories if not c.enabled)

    def category(self, category_id: str) -> EffectiveCategory:
        for c in self.all_categories:
            if c.id == category_id:
                if not c.enabled:
                    raise DomainError(
                        ErrorCode.CATEGORY_DISABLED,
                        f"{c.spec.label_zh}在{self.year}年度政策中未开放",
                        field="categoryId",
                        details={"categoryId": c.id, "year": self.year},
                    )
                return c
        raise DomainError(ErrorCode.UNKNOWN_CATEGORY, f"没有类别 {category_id}", field="categoryId")

    def condition(self, category_id: str, condition_id: str) -> EffectiveCondition:
        category = self.category(category_id)
        for c in category.conditions:
            if c.spec.id == condition_id:
                if not c.enabled:
                    raise DomainError(
                        ErrorCode.CONDITION_DISABLED,
                        f"该入户条件在{self.year}年度政策中未开放",
                        field="conditionId",
                        details={"categoryId": category_id, "conditionId": condition_id},
                    )
                return c
        raise DomainError(
            ErrorCode.UNKNOWN_CONDITION, f"没有条件 {condition_id}", field="conditionId"
        )

    def hook(self, name: str) -> Any:
        """The hook ``name`` narrowed to the plugins of this year's enabled categories."""
        return self.registry.hook_without(name, self.disabled_category_ids)


class PolicyService:
    """Builds and caches policy views; applies administrators' changes."""

    def __init__(self, registry: PluginRegistry) -> None:
        self.registry = registry
        self._views: dict[tuple[int, int], PolicyView] = {}

    async def current_year(self) -> PolicyYear:
        year = await PolicyYear.filter(is_current=True).first()
        if year is None:
            raise DomainError(ErrorCode.NO_CURRENT_POLICY_YEAR, "尚未设置当前政策年度")
        return year

    async def get_year(self, year: int) -> PolicyYear:
        row = await PolicyYear.get_or_none(year=year)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"没有 {year} 政策年度", field="year")
        return row

    async def view(self, policy_year: PolicyYear) -> PolicyView:
        key = (policy_year.id, policy_year.revision)
        cached = self._views.get(key)
        if cached is not None:
            return cached
        view = await self._build(policy_year)
        # Older revisions of the same year are dead; drop them so the cache stays small.
        self._views = {k: v for k, v in self._views.items() if k[0] != policy_year.id}
        self._views[key] = view
        return view

    async def current_view(self) -> PolicyView:
        return await self.view(await self.current_year())

    async def _build(self, policy_year: PolicyYear) -> PolicyView:
        cat_rows = {
            r.category_id: r for r in await CategorySetting.filter(policy_year_id=policy_year.id)
        }
        cond_rows = {
            (r.category_id, r.condition_id): r
            for r in await ConditionSetting.filter(policy_year_id=policy_year.id)
        }
        categories = []
        for spec in self.registry.categories:
            cat_row = cat_rows.get(spec.id)
            conditions = []
            for cond in sorted(spec.conditions, key=lambda c: (c.order, c.id)):
                row = cond_rows.get((spec.id, cond.id))
                params = cond.defaults_for(policy_year.year)
                if row is not None:
                    params.update(row.parameters)
                conditions.append(
                    EffectiveCondition(
                        category_id=spec.id,
                        spec=cond,
                        enabled=row.enabled if row is not None else True,
                        parameters=params,
                    )
                )
            categories.append(
                EffectiveCategory(
                    spec=spec,
                    enabled=cat_row.enabled if cat_row is not None else True,
                    conditions=tuple(conditions),
                )
            )
        return PolicyView(
            registry=self.registry,
            policy_year_id=policy_year.id,
            year=policy_year.year,
            revision=policy_year.revision,
            all_categories=tuple(categories),
        )
