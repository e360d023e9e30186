"""The demo people (``core/demo_data``) agree with the plugins and with the documented formats.

``people.json`` states each person's expected outcome per condition on 2026-11-22, as the
one-click test reports it. Every demo person is insured in Guangzhou now, so core's shared
requirement leaves the category outcomes as they are; an earlier completed settlement does
not change the outcomes either, it is reported beside them as ``barred`` (禁止再报).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import pytest

from core.facts import PersonFacts
from core.shared_data import SharedRecord
from core.validation import birth_date_of, normalise_id_number
from tests.plugins.plugin_helpers import (
    PLUGINS,
    REFERENCE_DATE,
    REPO,
    InMemorySharedData,
    effective,
    hooks,
    insurance_from_periods,
    settlements_from_records,
)

DEMO = REPO / "core" / "demo_data"
SHARED: list[dict[str, Any]] = json.loads((DEMO / "shared_data.json").read_text(encoding="utf-8"))
PEOPLE: list[dict[str, Any]] = json.loads((DEMO / "people.json").read_text(encoding="utf-8"))
ALL_CONDITIONS = {
    f"{category_id}/{condition.id}"
    for category_id, plugin in PLUGINS.items()
    for condition in plugin.CATEGORY.conditions
}


def _documented_kinds() -> set[str]:
    text = (REPO / "docs" / "shared-data.md").read_text(encoding="utf-8")
    return set(re.findall(r"^### `([a-z_]+)`", text, flags=re.MULTILINE))


def _records_of(id_number: str, kind: str) -> list[dict[str, Any]]:
    return [r for r in SHARED if r["id_number"] == id_number and r["kind"] == kind]


def _source() -> InMemorySharedData:
    return InMemorySharedData(
        SharedRecord(r["kind"], r["id_number"], r["certificate_number"], r["data"]) for r in SHARED
    )


async def _category_outcomes(person: dict[str, Any]) -> tuple[dict[str, str], dict[str, bool]]:
    id_number = person["id_number"]
    source = _source()
    category_facts: dict[str, Any] = {}
    found: dict[str, bool] = {}
    for category_id in PLUGINS:
        (pending,) = hooks(category_id).read_shared_data(
            source=source, id_number=id_number, certificate_numbers=person["certificate_numbers"]
        )
        read = await pending
        category_facts[category_id] = read.facts
        found[category_id] = read.found
    (insurance,) = _records_of(id_number, "social_insurance")
    facts = PersonFacts(
        id_number=id_number,
        name=person["name"],
        birth_date=birth_date_of(id_number),
        insurance=insurance_from_periods(insurance["data"]["periods"], REFERENCE_DATE),
        category_facts=category_facts,
        from_shared_data=dict.fromkeys(PLUGINS, True),
    )
    outcomes = {}
    for key in sorted(ALL_CONDITIONS):
        category_id, condition_id = key.split("/")
        result = hooks(category_id).evaluate_condition(
            condition=effective(category_id, condition_id, REFERENCE_DATE.year),
            facts=facts,
            on=REFERENCE_DATE,
        )
        outcomes[key] = result.outcome.value
    return outcomes, found


def test_identity_numbers_are_valid_and_unique() -> None:
    numbers = [p["id_number"] for p in PEOPLE]
    assert len(numbers) == len(set(numbers))
    for number in numbers:
        assert normalise_id_number(number) == number
    assert {r["id_number"] for r in SHARED} <= set(numbers)


def test_records_are_of_documented_kinds() -> None:
    kinds = {r["kind"] for r in SHARED}
    assert kinds <= _documented_kinds()
    for r in SHARED:
        assert set(r) == {"kind", "id_number", "certificate_number", "data"}
        if r["certificate_number"] is not None:
            assert r["certificate_number"] == r["certificate_number"].strip().upper()


def test_everyone_is_insured_through_november_2026() -> None:
    for person in PEOPLE:
        (record,) = _records_of(person["id_number"], "social_insurance")
        assert max(p["to"] for p in record["data"]["periods"]) == "2026-11"


def test_expectations_name_every_condition() -> None:
    for person in PEOPLE:
        assert set(person["expect"]) == ALL_CONDITIONS, person["name"]
        assert set(person["expect"].values()) <= {"met", "not_met", "unknown"}


@pytest.mark.parametrize("person", PEOPLE, ids=[p["id_number"] for p in PEOPLE])
async def test_plugins_agree_with_the_expectations(person: dict[str, Any]) -> None:
    outcomes, _ = await _category_outcomes(person)
    assert outcomes == person["expect"]

    (insurance,) = _records_of(person["id_number"], "social_insurance")
    paid = insurance_from_periods(insurance["data"]["periods"], REFERENCE_DATE)
    assert paid is not None and paid.is_paid_now(REFERENCE_DATE)


@pytest.mark.parametrize("person", PEOPLE, ids=[p["id_number"] for p in PEOPLE])
def test_barred_follows_the_settlement_records(person: dict[str, Any]) -> None:
    settlements = settlements_from_records(
        r["data"] for r in _records_of(person["id_number"], "settlement")
    )
    done = [s for s in settlements if s.completed]
    if not done:
        assert person["barred"] is None
    else:
        latest = max(done, key=lambda s: s.year)
        assert person["barred"] == {"year": latest.year, "district": latest.district}


async def test_demo_covers_the_seeds_four_cases_and_every_category() -> None:
    cases = set()
    met: dict[str, int] = defaultdict(int)
    for person in PEOPLE:
        _, found = await _category_outcomes(person)
        cases.add((found["title"], found["education"]))
        for key, outcome in person["expect"].items():
            met[key.split("/")[0]] += outcome == "met"
    assert cases == {(False, True), (False, False), (True, False), (True, True)}
    assert all(met[category_id] for category_id in PLUGINS), dict(met)


def test_demo_includes_the_edge_cases() -> None:
    by_case = " | ".join(p["case"] for p in PEOPLE)
    assert "back-paid" in by_case and "settlement" in by_case and "just over a limit" in by_case
    (barred,) = [p for p in PEOPLE if p["barred"]]
    assert "met" in barred["expect"].values()
    just_over = next(p for p in PEOPLE if "just over a limit" in p["case"])
    born = birth_date_of(just_over["id_number"])
    assert (born.month, born.day) == (REFERENCE_DATE.month, REFERENCE_DATE.day)
    assert REFERENCE_DATE.year - born.year == 41
    assert just_over["expect"]["education/bachelor"] == "not_met"
