"""Administrators switch categories and conditions per policy year; the next request sees it."""

from __future__ import annotations

from typing import Any

from tests.graphql import GraphQLClient, signed_in
from tests.staff import staff_client

CATEGORIES = """{ categories { id tab labelZh conditions { id enabled parameters { name value defaultValue } } } }"""

SET_CATEGORY = """mutation($y: Int!, $c: String!, $e: Boolean!) {
  setCategoryEnabled(year: $y, categoryId: $c, enabled: $e) {
    __typename ... on PolicyYear { year revision categories { id enabled } }
    ... on OperationError { code message } } }"""
SET_CONDITION = """mutation($y: Int!, $c: String!, $d: String!, $e: Boolean!) {
  setConditionEnabled(year: $y, categoryId: $c, conditionId: $d, enabled: $e) {
    __typename ... on OperationError { code } } }"""
SET_PARAMS = """mutation($y: Int!, $c: String!, $d: String!, $p: JSON!) {
  setConditionParameters(year: $y, categoryId: $c, conditionId: $d, parameters: $p) {
    __typename ... on OperationError { code field message } } }"""
CREATE_YEAR = """mutation($y: Int!, $from: Int, $current: Boolean!) {
  createPolicyYear(year: $y, copyFrom: $from, makeCurrent: $current) {
    __typename ... on PolicyYear { year isCurrent } ... on OperationError { code } } }"""
SET_CURRENT = """mutation($y: Int!) { setCurrentPolicyYear(year: $y) {
    __typename ... on PolicyYear { year isCurrent } ... on OperationError { code } } }"""
YEARS = """{ policyYears { __typename ... on PolicyYearList { years { year isCurrent } }
    ... on OperationError { code } } }"""

EXPECTED_TABS = ["education", "title", "skill", "high_level", "other"]


async def _current_year(app: Any) -> int:
    return int((await app.state.services.policy.current_year()).year)


async def test_categories_in_tab_order(client: GraphQLClient) -> None:
    data = await client.execute(CATEGORIES)
    assert [c["id"] for c in data["categories"]] == EXPECTED_TABS
    assert [c["tab"] for c in data["categories"]] == ["A", "B", "C", "D", "E"]
    assert all(c["conditions"] for c in data["categories"])


async def test_switching_a_category_off_and_on(app: Any, client: GraphQLClient) -> None:
    admin = await staff_client(app, client)
    year = await _current_year(app)
    off = (await admin.execute(SET_CATEGORY, {"y": year, "c": "skill", "e": False}))[
        "setCategoryEnabled"
    ]
    assert off["__typename"] == "PolicyYear"
    assert {"id": "skill", "enabled": False} in off["categories"]
    # The next request, by anybody, no longer sees the category.
    ids = [c["id"] for c in (await client.execute(CATEGORIES))["categories"]]
    assert ids == ["education", "title", "high_level", "other"]
    await admin.execute(SET_CATEGORY, {"y": year, "c": "skill", "e": True})
    ids = [c["id"] for c in (await client.execute(CATEGORIES))["categories"]]
    assert ids == EXPECTED_TABS


async def test_switching_a_condition_and_editing_a_parameter(
    app: Any, client: GraphQLClient
) -> None:
    admin = await staff_client(app, client)
    year = await _current_year(app)
    first = app.state.services.registry.category("education").conditions[0]
    off = await admin.execute(
        SET_CONDITION, {"y": year, "c": "education", "d": first.id, "e": False}
    )
    assert off["setConditionEnabled"]["__typename"] == "PolicyYear"
    education = (await client.execute(CATEGORIES))["categories"][0]
    assert first.id not in [c["id"] for c in education["conditions"]]

    await admin.execute(SET_CONDITION, {"y": year, "c": "education", "d": first.id, "e": True})
    edited = await admin.execute(
        SET_PARAMS, {"y": year, "c": "education", "d": first.id, "p": {"age_limit": 48}}
    )
    assert edited["setConditionParameters"]["__typename"] == "PolicyYear"
    education = (await client.execute(CATEGORIES))["categories"][0]
    condition = next(c for c in education["conditions"] if c["id"] == first.id)
    age = next(p for p in condition["parameters"] if p["name"] == "age_limit")
    assert age["value"] == 48
    assert age["defaultValue"] == first.parameter("age_limit").value_for(year)

    # A null restores the dated default.
    await admin.execute(
        SET_PARAMS, {"y": year, "c": "education", "d": first.id, "p": {"age_limit": None}}
    )
    education = (await client.execute(CATEGORIES))["categories"][0]
    condition = next(c for c in education["conditions"] if c["id"] == first.id)
    age = next(p for p in condition["parameters"] if p["name"] == "age_limit")
    assert age["value"] == age["defaultValue"]


async def test_bad_parameters_are_refused(app: Any, client: GraphQLClient) -> None:
    admin = await staff_client(app, client)
    year = await _current_year(app)
    first = app.state.services.registry.category("education").conditions[0]
    for params, field in (
        ({"age_limit": "forty"}, "age_limit"),
        ({"age_limit": 3}, "age_limit"),
        ({"no_such_parameter": 1}, "no_such_parameter"),
    ):
        result = (
            await admin.execute(
                SET_PARAMS, {"y": year, "c": "education", "d": first.id, "p": params}
            )
        )["setConditionParameters"]
        assert (result["code"], result["field"]) == ("INVALID_PARAMETER", field)
    unknown = (await admin.execute(SET_PARAMS, {"y": year, "c": "nope", "d": first.id, "p": {}}))[
        "setConditionParameters"
    ]
    assert unknown["code"] == "UNKNOWN_CATEGORY"


async def test_a_category_off_in_one_year_and_on_in_another(
    app: Any, client: GraphQLClient
) -> None:
    admin = await staff_client(app, client)
    current = await _current_year(app)
    earlier = current - 7
    created = await admin.execute(CREATE_YEAR, {"y": earlier, "from": current, "current": False})
    assert created["createPolicyYear"] == {
        "__typename": "PolicyYear",
        "year": earlier,
        "isCurrent": False,
    }
    await admin.execute(SET_CATEGORY, {"y": earlier, "c": "other", "e": False})
    assert "other" in [c["id"] for c in (await client.execute(CATEGORIES))["categories"]]
    await admin.execute(SET_CURRENT, {"y": earlier})
    assert "other" not in [c["id"] for c in (await client.execute(CATEGORIES))["categories"]]
    years = (await admin.execute(YEARS))["policyYears"]["years"]
    assert years == [
        {"year": current, "isCurrent": False},
        {"year": earlier, "isCurrent": True},
    ]
    again = await admin.execute(CREATE_YEAR, {"y": earlier, "from": None, "current": False})
    assert again["createPolicyYear"]["code"] == "POLICY_YEAR_EXISTS"


async def test_only_administrators_change_policy(app: Any, client: GraphQLClient) -> None:
    year = await _current_year(app)
    anonymous = await client.execute(SET_CATEGORY, {"y": year, "c": "skill", "e": False})
    assert anonymous["setCategoryEnabled"]["code"] == "UNAUTHENTICATED"
    applicant = await signed_in(client)
    for document, variables in (
        (SET_CATEGORY, {"y": year, "c": "skill", "e": False}),
        (SET_CONDITION, {"y": year, "c": "skill", "d": "x", "e": False}),
        (SET_PARAMS, {"y": year, "c": "skill", "d": "x", "p": {}}),
        (CREATE_YEAR, {"y": 2030, "from": None, "current": True}),
        (SET_CURRENT, {"y": year}),
    ):
        result = next(iter((await applicant.execute(document, variables)).values()))
        assert result["code"] == "FORBIDDEN", (document, result)
    assert (await applicant.execute(YEARS))["policyYears"]["code"] == "FORBIDDEN"
    reviewer = await staff_client(
        app,
        client,
        username="reviewer1",
        role="reviewer",
        district="天河区",
        id_number="440106198606060027",
    )
    result = await reviewer.execute(SET_CATEGORY, {"y": year, "c": "skill", "e": False})
    assert result["setCategoryEnabled"]["code"] == "FORBIDDEN"
    # Nothing changed.
    ids = [c["id"] for c in (await client.execute(CATEGORIES))["categories"]]
    assert ids == EXPECTED_TABS


async def test_changes_are_audited(app: Any, client: GraphQLClient) -> None:
    from core.models import AuditLog

    admin = await staff_client(app, client)
    year = await _current_year(app)
    await admin.execute(SET_CATEGORY, {"y": year, "c": "skill", "e": False})
    row = await AuditLog.filter(action="policy_year.category_disable").first()
    assert row is not None
    assert row.subject_id == f"{year}/skill"
    assert row.request_id
