"""Categories and conditions for everyone; policy years and their switches for administrators."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from core.actors import Actor
from core.categories import MaterialRequirement as MaterialRequirementSpec
from core.errors import DomainError, ErrorCode
from core.policy import EffectiveCategory, EffectiveCondition, PolicyView
from schema.context import Info
from schema.errors import OperationError, attempt


@strawberry.type(description="A supporting material (证明材料) a condition asks for.")
class MaterialRequirement:
    kind: str
    label: str
    proves: str
    required: bool

    @classmethod
    def of(cls, spec: MaterialRequirementSpec) -> MaterialRequirement:
        return cls(kind=spec.kind, label=spec.label, proves=spec.proves, required=spec.required)


@strawberry.type(description="A condition's parameter for the policy year, e.g. an age limit.")
class ParameterValue:
    name: str
    label: str
    type: str
    unit: str
    value: JSON
    default_value: JSON = strawberry.field(description="The dated default for this year.")
    minimum: int | None
    maximum: int | None


@strawberry.type(description="A qualifying rule of a category (入户条件).")
class Condition:
    id: str
    category_id: str
    title: str
    title_en: str
    order: int
    enabled: bool
    parameters: list[ParameterValue]
    materials: list[MaterialRequirement]

    @classmethod
    def of(cls, condition: EffectiveCondition, year: int) -> Condition:
        spec = condition.spec
        return cls(
            id=spec.id,
            category_id=condition.category_id,
            title=spec.title,
            title_en=spec.title_en,
            order=spec.order,
            enabled=condition.enabled,
            parameters=[
                ParameterValue(
                    name=p.name,
                    label=p.label,
                    type=p.type,
                    unit=p.unit,
                    value=JSON(condition.parameters.get(p.name)),
                    default_value=JSON(p.value_for(year)),
                    minimum=p.minimum,
                    maximum=p.maximum,
                )
                for p in spec.parameters
            ],
            materials=[MaterialRequirement.of(m) for m in spec.materials],
        )


@strawberry.type(description="A talent category: one tab of the condition list.")
class Category:
    id: str
    label_zh: str
    label_en: str
    tab: str
    order: int
    enabled: bool
    conditions: list[Condition]

    @classmethod
    def of(cls, category: EffectiveCategory, year: int, *, only_enabled: bool) -> Category:
        spec = category.spec
        return cls(
            id=spec.id,
            label_zh=spec.label_zh,
            label_en=spec.label_en,
            tab=spec.tab,
            order=spec.order,
            enabled=category.enabled,
            conditions=[
                Condition.of(c, year) for c in category.conditions if c.enabled or not only_enabled
            ],
        )


@strawberry.type(description="A policy year with every category, switched on or off.")
class PolicyYear:
    year: int
    title: str
    is_current: bool
    revision: int
    categories: list[Category]


@strawberry.type
class PolicyYearList:
    years: list[PolicyYear]


PolicyYearResult = Annotated[PolicyYear | OperationError, strawberry.union("PolicyYearResult")]
PolicyYearListResult = Annotated[
    PolicyYearList | OperationError, strawberry.union("PolicyYearListResult")
]


def _admin_year(view: PolicyView, title: str, is_current: bool) -> PolicyYear:
    return PolicyYear(
        year=view.year,
        title=title,
        is_current=is_current,
        revision=view.revision,
        categories=[Category.of(c, view.year, only_enabled=False) for c in view.all_categories],
    )


async def _year_result(info: Info, year: int) -> PolicyYear:
    policy = info.context.services.policy
    row = await policy.get_year(year)
    return _admin_year(await policy.view(row), row.title, row.is_current)


def _admin(info: Info) -> Actor:
    return info.context.require_actor()


@strawberry.type
class PolicyQuery:
    @strawberry.field(
        description="The categories open in the current policy year, in tab order, "
        "each with its enabled conditions."
    )
    async def categories(self, info: Info) -> list[Category]:
        view = await info.context.policy()
        return [Category.of(c, view.year, only_enabled=True) for c in view.categories]

    @strawberry.field(description="Every policy year with all switches (administrators).")
    async def policy_years(self, info: Info) -> PolicyYearListResult:
        async def run() -> PolicyYearList:
            rows = await info.context.services.policy_admin.list_years(_admin(info))
            policy = info.context.services.policy
            return PolicyYearList(
                years=[_admin_year(await policy.view(r), r.title, r.is_current) for r in rows]
            )

        return await attempt(run())


@strawberry.type
class PolicyMutation:
    @strawberry.mutation(description="Create a policy year, optionally copying another's switches.")
    async def create_policy_year(
        self,
        info: Info,
        year: int,
        title: str = "",
        copy_from: int | None = None,
        make_current: bool = False,
    ) -> PolicyYearResult:
        async def run() -> PolicyYear:
            await info.context.services.policy_admin.create_year(
                _admin(info),
                year,
                title=title,
                copy_from=copy_from,
                make_current=make_current,
                request=info.context.request_info,
            )
            return await _year_result(info, year)

        return await attempt(run())

    @strawberry.mutation(description="Make a policy year the one applications are judged under.")
    async def set_current_policy_year(self, info: Info, year: int) -> PolicyYearResult:
        async def run() -> PolicyYear:
            await info.context.services.policy_admin.set_current(
                _admin(info), year, request=info.context.request_info
            )
            return await _year_result(info, year)

        return await attempt(run())

    @strawberry.mutation(description="Switch a category on or off for a policy year.")
    async def set_category_enabled(
        self, info: Info, year: int, category_id: str, enabled: bool
    ) -> PolicyYearResult:
        async def run() -> PolicyYear:
            await info.context.services.policy_admin.set_category_enabled(
                _admin(info), year, category_id, enabled, request=info.context.request_info
            )
            return await _year_result(info, year)

        return await attempt(run())

    @strawberry.mutation(description="Switch a condition on or off for a policy year.")
    async def set_condition_enabled(
        self, info: Info, year: int, category_id: str, condition_id: str, enabled: bool
    ) -> PolicyYearResult:
        async def run() -> PolicyYear:
            await info.context.services.policy_admin.set_condition_enabled(
                _admin(info),
                year,
                category_id,
                condition_id,
                enabled,
                request=info.context.request_info,
            )
            return await _year_result(info, year)

        return await attempt(run())

    @strawberry.mutation(
        description='Override parameters for a policy year, e.g. `{"age_limit": 38}`; '
        "a null value restores the dated default."
    )
    async def set_condition_parameters(
        self,
        info: Info,
        year: int,
        category_id: str,
        condition_id: str,
        parameters: JSON,
    ) -> PolicyYearResult:
        async def run() -> PolicyYear:
            values: Any = parameters
            if not isinstance(values, dict):
                raise DomainError(
                    ErrorCode.INVALID_PARAMETER, "parameters 应为对象", field="parameters"
                )
            await info.context.services.policy_admin.set_condition_parameters(
                _admin(info),
                year,
                category_id,
                condition_id,
                values,
                request=info.context.request_info,
            )
            return await _year_result(info, year)

        return await attempt(run())
