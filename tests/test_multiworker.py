"""``talent serve --workers 2`` on PostgreSQL: rate limits shared, timers fired once.

The server runs as it would in production, a uvicorn master with two worker processes
on one listening socket, against a throw-away PostgreSQL database. ``X-Worker`` (an
opaque id per process, core/app.py) tells which worker answered each request.

- Rate limits: login attempts for one account sent alternately to both workers are
  refused after the same total as on one worker (the counters live in PostgreSQL, not
  in a worker's memory, where each worker would allow the limit again).
- Timers: applications submitted 30 days ago (a ManualClock in the test process) have
  their auto-acceptance (自动受理) due when the server starts; both workers poll every
  second, and every application is accepted exactly once.

Skipped on a laptop without PostgreSQL, failed when ``TALENT_TEST_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from core.app import create_app
from core.clock import ManualClock
from core.face import SimulatedFaceProvider
from core.settings import Settings
from tests.conftest import FACE_SECRET, SECRET
from tests.database import forget_backend, throwaway_postgres
from tests.graphql import LOGIN, GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, submitted
from tests.servers import free_port, wait_ready

pytestmark = pytest.mark.postgres_only

APPLICATIONS = 6
LOGIN_LIMIT = Settings().rate_limits["login.account"].limit  # the shipped default
TALENT = Path(sys.executable).with_name("talent")


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path
    application_ids: list[int]


def _settings(database_url: str, storage: Path) -> Settings:
    return lifecycle_settings(
        Settings(
            database_url=database_url,
            storage_dir=storage,
            secret_key=SECRET,
            face_verification_secret=FACE_SECRET,
            load_entrypoint_plugins=False,
        )
    )


async def _submit_in_the_past(database_url: str, storage: Path) -> list[int]:
    """Submitted applications whose auto-acceptance fell due weeks ago.

    Done in this process through the ASGI app with a clock 30 days back and no job
    runner, so every timer is due, and nobody has fired it, when the server starts.
    """
    await forget_backend()
    clock = ManualClock(datetime.now(UTC) - timedelta(days=30))
    app = create_app(
        _settings(database_url, storage),
        clock=clock,
        face_provider=SimulatedFaceProvider(FACE_SECRET),
    )
    ids: list[int] = []
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as h:
                for n in range(1, APPLICATIONS + 1):
                    case = await submitted(app, GraphQLClient(h), n)
                    assert case.submitted["state"] == "awaiting_acceptance", case.submitted
                    ids.append(int(case.id))
    finally:
        await forget_backend()
    return ids


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the uvicorn master (it stops its workers), SIGKILL to the group if stuck."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("multiworker")
    process: subprocess.Popen[bytes] | None = None
    with throwaway_postgres("talent_multiworker") as database_url:
        try:
            ids = asyncio.run(_submit_in_the_past(database_url, tmp / "files"))
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
            env |= {
                "TALENT_CONFIG": str(tmp / "absent.toml"),
                "TALENT_DATABASE_URL": database_url,
                "TALENT_STORAGE_DIR": str(tmp / "files"),
                "TALENT_SECRET_KEY": SECRET,
                "TALENT_FACE_VERIFICATION_SECRET": FACE_SECRET,
                "TALENT_JOBS_POLL_SECONDS": "1",
                "TALENT_OCR_ENABLED": "false",
                "TALENT_LOAD_ENTRYPOINT_PLUGINS": "false",
                "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            }
            log = tmp / "server.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [
                        str(TALENT),
                        "serve",
                        "--workers",
                        "2",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, process, seconds=90, log=log)
            yield Server(url, database_url, process, log, ids)
        finally:
            if process is not None:
                _stop(process)


def _one_client_per_worker(url: str) -> dict[str, httpx.Client]:
    """A kept-alive connection to each of the two workers, found by ``X-Worker``."""
    found: dict[str, httpx.Client] = {}
    deadline = time.monotonic() + 60
    for _ in range(200):
        if len(found) == 2 or time.monotonic() > deadline:
            break
        client = httpx.Client(base_url=url, timeout=10)
        worker = client.get("/health").headers["x-worker"]
        if worker in found:
            client.close()
        else:
            found[worker] = client
    if len(found) < 2:
        for client in found.values():
            client.close()
        pytest.fail(f"only {len(found)} worker(s) answered: {sorted(found)}")
    return found


def test_login_rate_limit_is_shared_by_the_workers(server: Server) -> None:
    clients = _one_client_per_worker(server.url)
    order = list(clients.items()) * (LOGIN_LIMIT + 2)
    answers: list[tuple[str, dict[str, object]]] = []
    try:
        for _, client in order[: LOGIN_LIMIT + 2]:
            response = client.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"account": "nobody-here", "password": "x"}},
            )
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            answers.append((response.headers["x-worker"], body["data"]["login"]))
    finally:
        for client in clients.values():
            client.close()
    counted, over = answers[:LOGIN_LIMIT], answers[LOGIN_LIMIT:]
    # Both workers took part in the counted attempts, each seeing about half of them.
    assert {worker for worker, _ in counted} == set(clients)
    assert [a["code"] for _, a in counted] == ["INVALID_CREDENTIALS"] * LOGIN_LIMIT
    # The attempt past the limit is refused, by whichever worker gets it.
    assert {worker for worker, _ in over} == set(clients)
    for _, answer in over:
        assert answer["code"] == "RATE_LIMITED", answer
        assert isinstance(answer["retryAfterSeconds"], int) and answer["retryAfterSeconds"] > 0


async def _timer_outcome(database_url: str) -> tuple[list[tuple[int, str]], dict[int, int], list]:
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        states = await conn.fetch("SELECT id, state FROM applications ORDER BY id")
        accepted = await conn.fetch(
            "SELECT application_id, count(*) AS n FROM review_events "
            "WHERE action = 'auto_accept' GROUP BY application_id"
        )
        jobs = await conn.fetch(
            "SELECT key, status, attempts FROM jobs WHERE kind = 'acceptance.auto' ORDER BY key"
        )
    finally:
        await conn.close()
    return (
        [(r["id"], r["state"]) for r in states],
        {r["application_id"]: r["n"] for r in accepted},
        [(r["key"], r["status"], r["attempts"]) for r in jobs],
    )


def test_due_timers_fire_once_with_two_workers_polling(server: Server) -> None:
    ids = server.application_ids
    assert len(ids) == APPLICATIONS
    deadline = time.monotonic() + 60
    while True:
        states, accepted, jobs = asyncio.run(_timer_outcome(server.database_url))
        if all(state == "under_review" for _, state in states) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # Let both workers poll a few more rounds: a second firing would show up now.
    time.sleep(3)
    states, accepted, jobs = asyncio.run(_timer_outcome(server.database_url))
    assert states == [(i, "under_review") for i in ids], server.log.read_text()
    assert accepted == {i: 1 for i in ids}
    assert jobs == [(f"acceptance.auto:{i}", "done", 1) for i in sorted(ids, key=str)]
