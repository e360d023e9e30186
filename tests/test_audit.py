"""The audit log: append-only in the database, kept for the retention period and purged
after it by the daily job, exported for an auditor, paged for administrators."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError, TransactionManagementError

from core.audit_retention import PURGE_JOB
from core.clock import ManualClock
from core.models import AuditLog
from core.models.jobs import Job
from core.settings import Settings
from core.workdays import local_date
from tests.graphql import GraphQLClient, login, register
from tests.lifecycle_flow import administrator, lifecycle_settings, reviewer, submitted
from tests.test_cli import talent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings).model_copy(update={"audit_purge_enabled": True})


PAGE = """query($f: AuditLogFilter, $n: Int!, $after: String) {
  auditLog(filter: $f, first: $n, after: $after) { __typename
    ... on AuditLogPage { entries { id action actorId subjectType subjectId createdAt }
                          endCursor hasNextPage }
    ... on OperationError { code } } }"""

DATABASE_ERRORS = (OperationalError, TransactionManagementError, Exception)


async def _refused(sql: str) -> bool:
    """Whether the database refuses ``sql`` (the trigger raises)."""
    try:
        await connections.get("default").execute_script(sql)
    except DATABASE_ERRORS as error:
        assert "append-only" in str(error), error
        return True
    return False


async def test_the_database_refuses_to_change_or_remove_entries(
    app: Any, client: GraphQLClient, settings: Settings
) -> None:
    await submitted(app, client, 1)
    before = await AuditLog.all().count()
    assert before > 0
    assert await _refused("UPDATE audit_log SET reason = 'rewritten'")
    # The ORM goes through the same triggers.
    with pytest.raises(DATABASE_ERRORS, match="append-only"):
        await AuditLog.all().update(reason="rewritten")
    if settings.database_url.startswith("postgres"):
        assert await _refused("DELETE FROM audit_log")
        assert await _refused("TRUNCATE audit_log")
    assert await AuditLog.all().count() == before
    assert await AuditLog.filter(reason="rewritten").count() == 0


async def test_the_daily_job_purges_only_entries_past_retention(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    await submitted(app, client, 1)
    jobs = app.state.services.jobs
    written = {r.id for r in await AuditLog.all()}
    assert written
    scheduled = await Job.filter(kind=PURGE_JOB, status="pending")
    assert len(scheduled) == 1  # armed at start-up, for the next 03:00 in Guangzhou

    # 100 days on: the day's purge runs, everything is younger than 180 days.
    clock.advance(days=100)
    assert await jobs.run_due(clock.now()) >= 1
    assert {r.id for r in await AuditLog.filter(id__in=written)} == written
    assert await AuditLog.filter(action="audit.purged").count() == 1
    # ... and it armed the next one, within a day.
    [upcoming] = await Job.filter(kind=PURGE_JOB, status="pending")
    assert clock.now() < upcoming.due_at <= clock.now() + timedelta(days=1)

    # 181 days on: the entries written at the start are past retention and go.
    before = {r.id for r in await AuditLog.all()}
    clock.advance(days=81)
    assert await jobs.run_due(clock.now()) >= 1
    assert await AuditLog.filter(id__in=before).count() == 0
    [purged] = await AuditLog.filter(action="audit.purged")
    assert f"{len(before)} 条" in purged.reason


async def test_administrators_page_through_the_log_and_the_read_is_logged(
    app: Any, client: GraphQLClient
) -> None:
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    accepted = await staff.execute(
        "mutation($a: ID!) { acceptApplication(applicationId: $a) { __typename } }",
        {"a": case.id},
    )
    assert accepted["acceptApplication"]["__typename"] == "Application"
    admin = await administrator(app, client)

    first = (await admin.execute(PAGE, {"n": 2, "f": None, "after": None}))["auditLog"]
    assert first["__typename"] == "AuditLogPage" and first["hasNextPage"] is True
    assert len(first["entries"]) == 2
    ids = [int(e["id"]) for e in first["entries"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    second = (await admin.execute(PAGE, {"n": 2, "f": None, "after": first["endCursor"]}))[
        "auditLog"
    ]
    assert max(int(e["id"]) for e in second["entries"]) < min(ids)

    # Every state change is there: submission and acceptance of this application.
    only = {"subjectType": "application", "subjectId": case.id, "action": "application."}
    steps = (await admin.execute(PAGE, {"n": 50, "f": only, "after": None}))["auditLog"]
    actions = {e["action"] for e in steps["entries"]}
    assert {"application.submit", "application.accept"} <= actions, actions

    reads = await AuditLog.filter(action="audit.read").count()
    assert reads == 3  # the three pages above

    # Nobody else reads it.
    for other in (case.client, staff, client):
        refused = (await other.execute(PAGE, {"n": 5, "f": None, "after": None}))["auditLog"]
        assert refused["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
    bad = (await admin.execute(PAGE, {"n": 500, "f": None, "after": None}))["auditLog"]
    assert bad == {"__typename": "OperationError", "code": "INVALID_INPUT"}


async def test_the_export_streams_a_period_as_csv_and_json_lines(
    app: Any, client: GraphQLClient, settings: Settings, tmp_path: Any
) -> None:
    await submitted(app, client, 1)
    await AuditLog.create(
        action="test.typed", subject_type="note", reason='=HYPERLINK("http://x","y")'
    )
    rows = await AuditLog.all().order_by("id")
    assert rows
    day = local_date(rows[0].created_at).isoformat()

    out = tmp_path / "audit.csv"
    done = await talent(
        settings, "audit", "export", "--since", day, "--until", day, "--output", str(out)
    )
    assert done.returncode == 0, done.stderr
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    # Everything of the day, oldest first, and last the export itself (audit.exported).
    assert [int(r["id"]) for r in exported][:-1] == [r.id for r in rows]
    assert exported[0]["action"] == rows[0].action
    assert exported[-1]["action"] == "audit.exported" and exported[-1]["actor_id"] == "0"
    # Typed text that a spreadsheet would run as a formula is exported inert.
    typed = next(r for r in exported if r["action"] == "test.typed")
    assert typed["reason"] == '\'=HYPERLINK("http://x","y")'

    lines = await talent(
        settings, "audit", "export", "--since", day, "--until", day, "--format", "jsonl"
    )
    assert lines.returncode == 0, lines.stderr
    parsed = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [p["id"] for p in parsed][: len(rows)] == [r.id for r in rows]
    assert [p["action"] for p in parsed][-2:] == ["audit.exported", "audit.exported"]

    empty = await talent(
        settings, "audit", "export", "--since", "2000-01-01", "--until", "2000-01-02"
    )
    assert empty.returncode == 0 and empty.stdout.splitlines() == [
        ",".join(
            [
                "id",
                "created_at",
                "actor_id",
                "action",
                "subject_type",
                "subject_id",
                "reason",
                "request_id",
                "client_address",
            ]
        )
    ]
    wrong = await talent(settings, "audit", "export", "--since", "yesterday", "--until", day)
    assert wrong.returncode == 2


async def test_sign_ins_failures_registrations_and_password_changes_are_logged(
    app: Any, client: GraphQLClient
) -> None:
    await register(client, username="wangwu", id_number="440111199903175213")
    [user] = await AuditLog.filter(action="account.registered").values_list("subject_id", flat=True)
    assert (await login(client, "wangwu", "Wrong#Pass1"))["__typename"] == "OperationError"
    session = await login(client, "wangwu")
    assert session["__typename"] == "AuthSession"
    logged = await AuditLog.filter(subject_type="user", subject_id=user).order_by("id")
    assert [e.action for e in logged] == [
        "account.registered",
        "account.login_failed",
        "account.login",
    ]
    assert logged[1].actor_id is None and logged[2].actor_id == int(user)
    assert logged[1].client_address  # where the failed attempt came from
