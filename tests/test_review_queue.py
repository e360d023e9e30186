"""The district reviewer's queue: its district only, filters, stable keyset pagination,
the same number of SQL queries whatever the page size, and audit-logged reads."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from core.clock import ManualClock
from core.models import AuditLog
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, local, reviewer, submitted


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


QUEUE = """query($f: CaseFilter, $n: Int!, $after: String) {
  reviewQueue(filter: $f, first: $n, after: $after) { __typename
    ... on CaseList { pageInfo { endCursor hasNextPage }
      cases { id conditionTitle workingDaysWaiting applicant { realName idNumber mobile }
        application { state categoryId familyMembers { id } materials { id kind }
                      timeline { action } allowedActions { action } } } }
    ... on OperationError { code message field } } }"""


async def page(
    client: GraphQLClient, n: int, after: str | None = None, **want: Any
) -> dict[str, Any]:
    data = await client.execute(QUEUE, {"n": n, "after": after, "f": want or None})
    result: dict[str, Any] = data["reviewQueue"]
    assert result["__typename"] == "CaseList", result
    return result


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.fixture
def sql() -> Iterator[QueryCounter]:
    """Counts the statements tortoise-orm sends (it logs each at DEBUG)."""
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


async def test_queue_pages_filters_and_constant_queries(
    app: Any, client: GraphQLClient, clock: ManualClock, sql: QueryCounter
) -> None:
    clock.set(local(2026, 11, 2, 9))
    cases = []
    for n in range(1, 8):
        cases.append(await submitted(app, client, n))
        clock.advance(hours=1)
    elsewhere = await submitted(app, client, 8, district="越秀区")
    staff = await reviewer(app, client)

    first = await page(staff, 3)
    assert [c["id"] for c in first["cases"]] == [c.id for c in cases[:3]]
    assert first["pageInfo"]["hasNextPage"] is True
    masked = first["cases"][0]["applicant"]
    assert masked["idNumber"][6:14] == "********" and masked["mobile"][3:7] == "****"
    # A new submission joins the end: the next page is unchanged by it (keyset).
    late = await submitted(app, client, 9)
    second = await page(staff, 3, first["pageInfo"]["endCursor"])
    assert [c["id"] for c in second["cases"]] == [c.id for c in cases[3:6]]
    rest = await page(staff, 3, second["pageInfo"]["endCursor"])
    assert [c["id"] for c in rest["cases"]] == [cases[6].id, late.id]
    assert rest["pageInfo"]["hasNextPage"] is False
    everything = [c["id"] for c in (await page(staff, 50))["cases"]]
    assert elsewhere.id not in everything

    # Filters: state, category and condition, days waiting.
    clock.set(local(2026, 11, 4, 10))
    await staff.execute(
        "mutation($a: ID!) { acceptApplication(applicationId: $a) { __typename } }",
        {"a": cases[0].id},
    )
    accepted = await page(staff, 10, states=["UNDER_REVIEW"])
    assert [c["id"] for c in accepted["cases"]] == [cases[0].id]
    assert (await page(staff, 10, categoryId="title"))["cases"] == []
    assert (
        len((await page(staff, 10, categoryId="education", conditionId="bachelor"))["cases"]) == 8
    )
    # Submitted Monday 2 November: by Friday 6 November they waited 4 working days; the
    # one accepted on Wednesday has been under review for 2.
    clock.set(local(2026, 11, 6, 12))
    assert len((await page(staff, 10, minWorkingDaysWaiting=4))["cases"]) == 7
    assert len((await page(staff, 10, minWorkingDaysWaiting=2))["cases"]) == 8
    assert (await page(staff, 10, minWorkingDaysWaiting=5))["cases"] == []
    bad = await staff.execute(QUEUE, {"n": 10, "after": "not-a-cursor", "f": None})
    assert bad["reviewQueue"]["code"] == "INVALID_INPUT"

    # The same statements for a page of 2 as for a page of 7.
    sql.count = 0
    small = await page(staff, 2)
    small_count = sql.count
    sql.count = 0
    large = await page(staff, 7)
    assert len(small["cases"]) == 2 and len(large["cases"]) == 7
    assert all(c["application"]["materials"] for c in large["cases"])
    assert sql.count == small_count, (small_count, sql.count)


async def test_an_applicant_or_nobody_has_no_queue(app: Any, client: GraphQLClient) -> None:
    case = await submitted(app, client, 1)
    refused = await case.client.execute(QUEUE, {"n": 5, "after": None, "f": None})
    assert refused["reviewQueue"]["code"] == "FORBIDDEN"
    anonymous = await client.execute(QUEUE, {"n": 5, "after": None, "f": None})
    assert anonymous["reviewQueue"]["code"] == "UNAUTHENTICATED"


async def test_reading_one_case_is_audit_logged(app: Any, client: GraphQLClient) -> None:
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    found = await staff.execute(
        "query($id: ID!) { reviewApplication(id: $id) { ... on ReviewCase { applicant { idNumber } application { sections } } } }",
        {"id": case.id},
    )
    assert "*" not in found["reviewApplication"]["applicant"]["idNumber"]
    logged = await AuditLog.filter(action="application.read", subject_id=case.id).count()
    assert logged == 1
