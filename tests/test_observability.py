"""Metrics, health, readiness and structured logs, read as a scraper and a log collector do."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tortoise import connections

from core import db
from core.app import create_app
from core.logs import JsonFormatter
from core.models import PolicyYear
from core.settings import Settings
from tests.database import forget_backend
from tests.graphql import GraphQLClient, register


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_requests_operations_and_errors_by_code(
    app: Any, client: GraphQLClient
) -> None:
    await register(client)
    before = await scrape(client.http)

    await client.execute("query Probe { __typename }")
    await client.raw("{ nope }")  # a validation error
    await client.raw(  # a typed OperationError
        'mutation { login(account: "zhangsan", password: "Wrong#Pass1") { __typename } }'
    )
    refused = await client.http.post("/graphql", json=[{"query": "{ __typename }"}])
    assert refused.status_code == 400

    after = await scrape(client.http)
    count = "talent_graphql_operation_duration_seconds_count"
    assert value(after, count, operation="Probe", type="query") == (
        value(before, count, operation="Probe", type="query") + 1
    )
    http_count = "talent_http_request_duration_seconds_count"
    labels = {"method": "POST", "route": "/graphql", "status": "200"}
    assert value(after, http_count, **labels) >= value(before, http_count, **labels) + 3
    errors = "talent_errors_total"
    for code, source in [
        ("GRAPHQL_VALIDATION_FAILED", "graphql"),
        ("INVALID_CREDENTIALS", "operation"),
        ("BATCH_NOT_ALLOWED", "http"),
    ]:
        assert value(after, errors, code=code, source=source) == (
            value(before, errors, code=code, source=source) + 1
        ), code
    # The OCR pool's queue is exposed (idle here).
    assert ("talent_ocr_jobs", frozenset({("state", "queued")})) in after
    assert value(after, "talent_ocr_jobs", state="running") == 0


async def test_metrics_count_timer_jobs_and_the_overdue_ones(
    app: Any, client: GraphQLClient
) -> None:
    services = app.state.services
    now = services.clock.now()
    await services.jobs.schedule(
        "observability.probe", key="probe:1", due_at=now - timedelta(hours=1), payload={}
    )
    await services.jobs.schedule(
        "observability.probe", key="probe:2", due_at=now + timedelta(hours=1), payload={}
    )
    samples = await scrape(client.http)
    assert value(samples, "talent_jobs", kind="observability.probe", status="pending") == 2
    assert value(samples, "talent_jobs_overdue") == 1


async def test_health_and_ready(app: Any, client: GraphQLClient) -> None:
    health = await client.http.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await client.http.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        # events: SQLite's in-process broker, or PostgreSQL's listener connected.
        "checks": {"database": "ok", "migrations": "ok", "policyYear": "ok", "events": "ok"},
    }


async def test_access_lines_as_json_carry_the_request_id(
    app: Any, client: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="talent.access"):
        response = await client.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "req-42"}
        )
    assert response.headers["x-request-id"] == "req-42"
    [record] = [r for r in caplog.records if r.name == "talent.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["requestId"] == "req-42"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert line["level"] == "INFO" and isinstance(line["durationMs"], float)


# Readiness against databases of its own (SQLite files), not the session's shared one.


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[Settings]:
    await forget_backend()
    yield Settings(
        database_url=f"sqlite://{tmp_path / 'own.sqlite3'}",
        storage_dir=tmp_path / "files",
        secret_key="s",
        face_verification_secret="f",
        load_entrypoint_plugins=False,
        ocr_enabled=False,
        jobs_poll_seconds=0,
    )
    await forget_backend()


async def _get(application: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get(path)


async def test_ready_fails_on_an_unmigrated_database(own_database: Settings) -> None:
    application = create_app(own_database)
    async with application.router.lifespan_context(application):
        health = await _get(application, "/health")
        ready = await _get(application, "/ready")
    assert health.status_code == 200
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"].startswith("pending: 0001_initial")


async def test_ready_fails_on_a_pending_migration_or_no_policy_year(
    own_database: Settings,
) -> None:
    await db.migrate(own_database.database_url)
    await forget_backend()
    application = create_app(own_database)
    async with application.router.lifespan_context(application):
        assert (await _get(application, "/ready")).status_code == 200
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            "SELECT app, name, applied_at FROM tortoise_migrations"
        )
        # A newer release's migration, not yet applied: as if its record were missing.
        await conn.execute_script("DELETE FROM tortoise_migrations")
        pending = await _get(application, "/ready")
        for row in rows:
            await conn.execute_query(
                "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES (?, ?, ?)",
                [row["app"], row["name"], row["applied_at"]],
            )
        await PolicyYear.all().update(is_current=False)
        no_year = await _get(application, "/ready")
    assert pending.status_code == 503
    assert pending.json()["checks"]["migrations"].startswith("pending: 0001_initial")
    assert no_year.status_code == 503
    assert no_year.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "policyYear": "no current policy year",
    }
