"""Helpers for the category plugins' tests: an in-memory shared database and table rows.

The tables (``*.yaml`` beside this file) are written for a policy officer to read; each row
is driven through the plugin's own hook implementations: ``read_shared_data`` over the
row's shared records, then ``evaluate_condition`` on the reference date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from stdnum.cn import ric

import plugins.education
import plugins.high_level
import plugins.other
import plugins.skill
import plugins.title
from core.categories import CategorySpec
from core.facts import (
    ConditionResult,
    InsuranceMonth,
    PersonFacts,
    Settlement,
    SocialInsurance,
)
from core.hookspecs import CategoryFacts
from core.plugins import build_plugin_manager
from core.policy import EffectiveCondition
from core.shared_data import SharedRecord

HERE = Path(__file__).parent
REPO = HERE.parent.parent
REFERENCE_DATE = date(2026, 11, 22)

PLUGINS: dict[str, ModuleType] = {
    m.CATEGORY_ID: m
    for m in (
        plugins.education,
        plugins.title,
        plugins.skill,
        plugins.high_level,
        plugins.other,
    )
}


@cache
def hooks(category_id: str) -> Any:
    """The hook callers of a plugin manager holding only this category's plugin.

    Calling through pluggy passes each implementation only the arguments it accepts.
    """
    return build_plugin_manager([PLUGINS[category_id].__name__], load_entrypoints=False).hook


def spec_of(category_id: str) -> CategorySpec:
    spec: CategorySpec = PLUGINS[category_id].CATEGORY
    return spec


class InMemorySharedData:
    """A :class:`core.shared_data.SharedDataSource` over a list of records."""

    def __init__(self, records: Iterable[SharedRecord] = ()) -> None:
        self._records = list(records)

    async def records(self, id_number: str, kind: str) -> list[SharedRecord]:
        return [r for r in self._records if r.id_number == id_number and r.kind == kind]

    async def by_certificate(self, kind: str, certificate_number: str) -> SharedRecord | None:
        wanted = certificate_number.strip().upper()
        for r in self._records:
            if r.kind == kind and (r.certificate_number or "").upper() == wanted:
                return r
        return None


def id_number_for(birth_date: date, area: str = "110108", sequence: int = 1) -> str:
    """A valid 18-digit resident identity number (GB 11643 check digit).

    The default area (北京市海淀区) has no start date in python-stdnum's table, so the
    number validates for any birth year.
    """
    body = f"{area}{birth_date:%Y%m%d}{sequence:03d}"
    # calc_check_digit expects the number with a (placeholder) check digit.
    number: str = ric.validate(body + ric.calc_check_digit(body + "0"))
    return number


OTHER_PERSON = id_number_for(date(1988, 8, 8), area="440104", sequence=2)


def _month(value: str) -> date:
    year, month = str(value).split("-")[:2]
    return date(int(year), int(month), 1)


def _months(first: date, last: date) -> Iterable[date]:
    month = first
    while month <= last:
        yield month
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def insurance_from_periods(
    periods: Sequence[Mapping[str, Any]] | None, on: date
) -> SocialInsurance | None:
    """Core's ``social_insurance`` record ({"periods": [...]}) as :class:`SocialInsurance`."""
    if periods is None:
        return None
    months: dict[date, bool] = {}
    for p in periods:
        last = _month(p["to"]) if p.get("to") else on.replace(day=1)
        for m in _months(_month(p["from"]), last):
            months[m] = bool(p.get("back_paid", False))
    return SocialInsurance(
        tuple(InsuranceMonth(m, back_paid) for m, back_paid in sorted(months.items()))
    )


def settlements_from_records(records: Iterable[Mapping[str, Any]]) -> tuple[Settlement, ...]:
    return tuple(
        Settlement(int(r["year"]), str(r["district"]), bool(r.get("completed", True)))
        for r in records
    )


def effective(
    category_id: str, condition_id: str, year: int, overrides: Mapping[str, Any] | None = None
) -> EffectiveCondition:
    spec = spec_of(category_id).condition(condition_id)
    return EffectiveCondition(
        category_id, spec, True, spec.defaults_for(year) | dict(overrides or {})
    )


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# Tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of a table, with the table's defaults applied."""

    category_id: str
    number: int
    values: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.category_id}-{self.number:02d}-{self.values['condition']}"

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def load_table(name: str) -> list[Row]:
    table = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
    defaults = table.get("defaults", {})
    return [
        Row(table["category"], i, {**defaults, **row})
        for i, row in enumerate(table["rows"], start=1)
    ]


@dataclass(frozen=True)
class Outcome:
    shared: CategoryFacts | None
    result: ConditionResult


async def run_row(row: Row) -> Outcome:
    """Read the row's shared data (or take its form facts) and judge its condition."""
    birth = as_date(row["birth_date"])
    applicant = id_number_for(birth)
    on = as_date(row.get("reference_date", REFERENCE_DATE))
    shared: CategoryFacts | None = None
    category_facts: dict[str, Any] = {}
    from_shared: dict[str, bool] = {}
    if "form" in row.values:
        # The applicant's own word (typed or OCR'd), in the facts' JSON form.
        category_facts[row.category_id] = row["form"]
        from_shared[row.category_id] = False
    else:
        records = [
            SharedRecord(
                kind=r["kind"],
                id_number=OTHER_PERSON if r.get("owner") == "someone_else" else applicant,
                certificate_number=r.get("certificate_number"),
                data=r.get("data", {}),
            )
            for r in row.get("shared_data") or []
        ]
        (pending,) = hooks(row.category_id).read_shared_data(
            source=InMemorySharedData(records),
            id_number=applicant,
            certificate_numbers=row.get("certificate_numbers") or {},
        )
        shared = await pending
        category_facts[row.category_id] = shared.facts
        from_shared[row.category_id] = True
    facts = PersonFacts(
        id_number=applicant,
        name="测试申办人",
        birth_date=birth,
        insurance=insurance_from_periods(row.get("insurance"), on),
        category_facts=category_facts,
        from_shared_data=from_shared,
    )
    condition = effective(
        row.category_id, row["condition"], int(row.get("year", 2020)), row.get("parameters")
    )
    result = hooks(row.category_id).evaluate_condition(condition=condition, facts=facts, on=on)
    assert result is not None, f"{row.id}: the plugin judged nothing"
    return Outcome(shared, result)
