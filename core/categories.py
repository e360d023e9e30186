"""What a category plugin declares: its tab, its conditions and their dated parameters.

Parameters follow OpenFisca's habit: the numbers are dated data, the logic that reads
them is code. A parameter's value for policy year ``Y`` is its latest value dated ``Y``
or earlier; an administrator may override it for one policy year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from core.errors import DomainError, ErrorCode

ParameterType = Literal["int", "bool", "str"]


@dataclass(frozen=True)
class Parameter:
    """A dated number or switch a condition reads, e.g. an age limit (年龄上限)."""

    name: str
    label: str
    type: ParameterType
    values: Mapping[int, Any]
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""

    def value_for(self, year: int) -> Any:
        dated = [y for y in self.values if y <= year]
        if not dated:
            # A year before the first dated value uses the earliest one we know.
            return self.values[min(self.values)]
        return self.values[max(dated)]

    def coerce(self, value: Any) -> Any:
        """Check an administrator's value for this parameter; raise INVALID_PARAMETER."""
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "str": isinstance(value, str),
        }[self.type]
        if not ok:
            raise DomainError(
                ErrorCode.INVALID_PARAMETER,
                f"参数 {self.name}（{self.label}）应为 {self.type} 类型",
                field=self.name,
            )
        if self.type == "int":
            if self.minimum is not None and value < self.minimum:
                raise DomainError(
                    ErrorCode.INVALID_PARAMETER,
                    f"参数 {self.name}（{self.label}）不得小于 {self.minimum}",
                    field=self.name,
                )
            if self.maximum is not None and value > self.maximum:
                raise DomainError(
                    ErrorCode.INVALID_PARAMETER,
                    f"参数 {self.name}（{self.label}）不得大于 {self.maximum}",
                    field=self.name,
                )
        return value


@dataclass(frozen=True)
class MaterialRequirement:
    """A supporting material (证明材料) a condition asks for, and what it proves."""

    kind: str
    label: str
    proves: str = ""
    required: bool = True


@dataclass(frozen=True)
class ConditionSpec:
    """One qualifying rule of a category (入户条件)."""

    id: str
    title: str
    title_en: str
    order: int
    parameters: tuple[Parameter, ...] = ()
    materials: tuple[MaterialRequirement, ...] = ()

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            f"条件 {self.id} 没有参数 {name}",
            field=name,
        )

    def defaults_for(self, year: int) -> dict[str, Any]:
        return {p.name: p.value_for(year) for p in self.parameters}

    def check_overrides(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self.parameter(name).coerce(v) for name, v in overrides.items()}


@dataclass(frozen=True)
class CategorySpec:
    """A talent category: one tab of the condition list, contributed by one plugin."""

    id: str
    label_zh: str
    label_en: str
    tab: str
    order: int
    conditions: tuple[ConditionSpec, ...] = field(default_factory=tuple)
    # How the one-click test's summary names whether shared data held records of this
    # category, e.g. ("有职称", "无职称"); None keeps the category out of the summary.
    # The seeds' four cases are the title and education categories' summaries.
    test_summary: tuple[str, str] | None = None
    summary_order: int = 0

    def condition(self, condition_id: str) -> ConditionSpec:
        for c in self.conditions:
            if c.id == condition_id:
                return c
        raise DomainError(
            ErrorCode.UNKNOWN_CONDITION,
            f"类别 {self.id} 没有条件 {condition_id}",
            field="conditionId",
        )
