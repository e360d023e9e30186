"""The plugins' checks of the qualification section, and 重新获取, from ``dossier.yaml``.

Each row is driven through the plugin's own hook implementations, as core calls them:
``validate_qualification`` with what the applicant typed, and ``read_shared_data`` then
``qualification_from_shared_data`` for fetching the values again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
import yaml

from core.hookspecs import Problem
from core.shared_data import SharedRecord
from tests.plugins.plugin_helpers import (
    HERE,
    PLUGINS,
    InMemorySharedData,
    as_date,
    effective,
    hooks,
    id_number_for,
)

TABLE = yaml.safe_load((HERE / "dossier.yaml").read_text(encoding="utf-8"))
DEFAULTS: dict[str, Any] = TABLE["defaults"]
ROWS = [{**DEFAULTS, **row} for row in TABLE["rows"]]
REFETCH = [{**DEFAULTS, **row} for row in TABLE["refetch"]]


def _id(row: Mapping[str, Any]) -> str:
    return f"{row['category']}-{row['condition']}-{row['case']}"


def validate(row: Mapping[str, Any], values: Mapping[str, Any]) -> list[Problem]:
    condition = effective(
        row["category"], row["condition"], int(row["year"]), row.get("parameters")
    )
    problems = hooks(row["category"]).validate_qualification(
        condition=condition,
        values=values,
        birth_date=as_date(row["birth_date"]),
        on=as_date(row["reference_date"]),
        material_kinds=frozenset(row["uploaded"]),
        proven_by_shared_data=bool(row["proven"]),
    )
    assert problems is not None, "the plugin did not check its own condition"
    return list(problems)


def found(problems: list[Problem]) -> set[tuple[str, str | None, str | None]]:
    for p in problems:
        assert p.section == "qualification" and p.message, p
    return {(p.code, p.field, p.material_kind) for p in problems}


def expected(items: list[Mapping[str, Any]]) -> set[tuple[str, str | None, str | None]]:
    return {(i["code"], i.get("field"), i.get("material")) for i in items}


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_validate_qualification(row: Mapping[str, Any]) -> None:
    problems = validate(row, row["values"])
    said = "；".join(p.message for p in problems)
    assert found(problems) == expected(row["expect"]), said
    if row.get("reason"):
        assert row["reason"] in said, said


@pytest.mark.parametrize("row", REFETCH, ids=[_id(r) for r in REFETCH])
async def test_qualification_from_shared_data(row: Mapping[str, Any]) -> None:
    applicant = id_number_for(as_date(row["birth_date"]))
    records = [
        SharedRecord(r["kind"], applicant, r.get("certificate_number"), r["data"])
        for r in row["shared_data"]
    ]
    (pending,) = hooks(row["category"]).read_shared_data(
        source=InMemorySharedData(records),
        id_number=applicant,
        certificate_numbers=row.get("certificate_numbers") or {},
    )
    facts = (await pending).facts
    condition = effective(row["category"], row["condition"], int(row["year"]))
    values = hooks(row["category"]).qualification_from_shared_data(condition=condition, facts=facts)
    assert values is not None
    if row.get("empty"):
        assert values == {}
        return
    for name, value in row["values"].items():
        assert values.get(name) == value, (name, values)
    # What was fetched passes the plugin's own checks (no upload on the fast track).
    assert found(validate({**row, "proven": True}, values)) == expected(row["then"])


def test_other_categories_conditions_are_left_alone() -> None:
    """Each plugin answers only for its own category's conditions (None otherwise)."""
    on = date(2026, 11, 22)
    for category_id in PLUGINS:
        foreign = "title" if category_id != "title" else "education"
        condition = effective(foreign, PLUGINS[foreign].CATEGORY.conditions[0].id, 2020)
        hook = hooks(category_id)
        assert (
            hook.validate_qualification(
                condition=condition,
                values={},
                birth_date=date(1990, 1, 1),
                on=on,
                material_kinds=frozenset(),
                proven_by_shared_data=False,
            )
            is None
        )
        assert hook.qualification_from_shared_data(condition=condition, facts=None) is None


def test_tables_cover_every_condition() -> None:
    covered = {(r["category"], r["condition"]) for r in ROWS}
    for category_id, plugin in PLUGINS.items():
        for condition in plugin.CATEGORY.conditions:
            if category_id == "other":
                continue  # one form for every 其他 condition
            assert (category_id, condition.id) in covered, (category_id, condition.id)
    assert {r["category"] for r in REFETCH} == set(PLUGINS)
