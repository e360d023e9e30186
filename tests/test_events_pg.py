"""State changes heard across worker processes through PostgreSQL ``LISTEN/NOTIFY``.

Two brokers (or two apps) on one database stand for two ``talent serve`` workers: a
change published by one reaches the subscribers of the other, and only the applicant's
own; a notification sent inside a transaction is heard only once it commits; a listener
whose connection is killed reconnects. End to end, an applicant subscribed over a
websocket on app B hears the withdrawal made over HTTP on app A; and while a worker's
listener is down its ``/ready`` answers 503 with the reason, its subscribers are told
(their subscription completes) once it listens again, and they hear changes again.

PostgreSQL only: skipped on a laptop without it, failed when
``TALENT_TEST_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise.transactions import in_transaction

from core.app import create_app
from core.clock import ManualClock
from core.events import ApplicationChanged
from core.events_pg import APPLICATION_NAME, CHANNEL, PostgresEventBroker, listener_credentials
from core.face import SimulatedFaceProvider
from core.settings import Settings
from tests.database import POSTGRES_ADMIN_DSN, throwaway_postgres
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, mine, submitted
from tests.test_observability import scrape, value
from tests.test_subscriptions import (
    WITHDRAW,
    hears_withdrawal,
    next_change,
    nothing_arrives,
    subscribe,
    subscribed,
    user_id_of,
    websocket,
)

pytestmark = pytest.mark.postgres_only

AT = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
WAIT = 5.0  # seconds: the bound of every wait for something that should arrive


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A migrated throw-away PostgreSQL database (overrides conftest's, which has SQLite)."""
    with throwaway_postgres("talent_events") as url:
        yield url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


@pytest.fixture
async def workers(app: Any, settings: Settings) -> AsyncIterator[list[PostgresEventBroker]]:
    """Two started brokers, as two worker processes hold them (the app opened the ORM)."""
    brokers = [
        PostgresEventBroker(settings.database_url, initial_backoff_seconds=0.1) for _ in range(2)
    ]
    try:
        for broker in brokers:
            await broker.start()
            assert broker.listening
        yield brokers
    finally:
        for broker in brokers:
            await broker.stop()


class Listener:
    """One subscription of ``applicant_id`` on ``broker``, read with bounded waits."""

    def __init__(self, broker: PostgresEventBroker, applicant_id: int) -> None:
        self.broker = broker
        self.applicant_id = applicant_id
        self.changes = broker.subscribe(applicant_id)
        self.pending: asyncio.Task[ApplicationChanged] | None = None

    async def __aenter__(self) -> Listener:
        before = self.broker.subscriber_count(self.applicant_id)
        self._read()
        for _ in range(200):
            if self.broker.subscriber_count(self.applicant_id) > before:
                return self
            await asyncio.sleep(0.01)
        raise AssertionError("the subscription never reached the broker")

    async def __aexit__(self, *exc: object) -> None:
        if self.pending is not None:
            self.pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await self.pending
        await self.changes.aclose()  # type: ignore[attr-defined]

    def _read(self) -> None:
        async def one() -> ApplicationChanged:
            return await anext(self.changes)

        self.pending = asyncio.create_task(one())

    async def next(self) -> ApplicationChanged:
        assert self.pending is not None
        change = await asyncio.wait_for(asyncio.shield(self.pending), WAIT)
        self._read()
        return change

    async def nothing(self, seconds: float = 0.5) -> None:
        assert self.pending is not None
        done, _ = await asyncio.wait({self.pending}, timeout=seconds)
        assert not done, f"unexpected change: {self.pending.result()}"


async def test_change_published_on_one_worker_reaches_the_others_subscriber(
    workers: list[PostgresEventBroker],
) -> None:
    a, b = workers
    async with (
        Listener(b, 7) as on_b,
        Listener(b, 8) as other_on_b,
        Listener(a, 7) as on_a,
    ):
        await a.publish(ApplicationChanged(40, 7, "under_review", AT))
        expected = ApplicationChanged(40, 7, "under_review", AT)
        assert await on_b.next() == expected
        # The publishing worker hears it back like any other.
        assert await on_a.next() == expected
        await other_on_b.nothing()

        # One applicant's changes arrive in the order they were published.
        for state in ("publicity", "approved", "card_issued"):
            await a.publish(ApplicationChanged(40, 7, state, AT))
        assert [(await on_b.next()).state for _ in range(3)] == [
            "publicity",
            "approved",
            "card_issued",
        ]
        await other_on_b.nothing(0.2)


async def test_notification_in_a_transaction_is_heard_only_after_commit(
    workers: list[PostgresEventBroker],
) -> None:
    """A timer's transition announces inside the job's transaction (core/jobs.py)."""
    a, b = workers

    class RolledBack(Exception):
        """Raised to roll the job's transaction back."""

    async with Listener(b, 7) as on_b:
        with pytest.raises(RolledBack):
            async with in_transaction():
                await a.publish(ApplicationChanged(40, 7, "awaiting_acceptance", AT))
                raise RolledBack
        await on_b.nothing()

        async with in_transaction():
            await a.publish(ApplicationChanged(41, 7, "under_review", AT))
            await on_b.nothing(0.3)
        change = await on_b.next()
        assert (change.application_id, change.state) == (41, "under_review")


async def _listener_pids(database_url: str) -> set[int]:
    conn = await asyncpg.connect(**listener_credentials(database_url))
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = $1",
            APPLICATION_NAME,
        )
        return {row["pid"] for row in rows}
    finally:
        await conn.close()


async def test_listener_reconnects_after_its_connection_is_killed(
    workers: list[PostgresEventBroker], settings: Settings
) -> None:
    a, b = workers
    # The app's own broker listens too: three listening connections in all.
    killed = await _listener_pids(settings.database_url)
    assert len(killed) == 3
    conn = await asyncpg.connect(**listener_credentials(settings.database_url))
    try:
        for pid in killed:
            await conn.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()

    for _ in range(int(WAIT * 20)):
        pids = await _listener_pids(settings.database_url)
        if len(pids) == 3 and not pids & killed and a.listening and b.listening:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the listeners did not reconnect")

    async with Listener(b, 7) as on_b:
        await a.publish(ApplicationChanged(42, 7, "approved", AT))
        assert (await on_b.next()).application_id == 42


async def test_withdrawal_on_app_a_reaches_the_websocket_on_app_b(
    app: Any,
    client: GraphQLClient,
    settings: Settings,
    clock: ManualClock,
    face_provider: SimulatedFaceProvider,
) -> None:
    first = await submitted(app, client, 1)
    second = await submitted(app, client, 2)
    first_id = await user_id_of(first.client)
    second_id = await user_id_of(second.client)

    # A second app over the same database: another worker, with its own broker.
    other = create_app(settings, clock=clock, face_provider=face_provider)
    async with (
        other.router.lifespan_context(other),
        websocket(other) as http,
        contextlib.AsyncExitStack() as stack,
    ):
        assert other.state.services.events is not app.state.services.events
        ws_first = await subscribe(http, first.client.token, stack)
        ws_second = await subscribe(http, second.client.token, stack)
        await subscribed(other, first_id)
        await subscribed(other, second_id)
        # Nobody listens on app A: only LISTEN/NOTIFY can carry the change to B.
        assert app.state.services.events.subscriber_count(first_id) == 0

        withdrawn = await first.client.execute(WITHDRAW, {"a": first.id})
        assert withdrawn["withdrawApplication"]["state"] == "withdrawn", withdrawn

        await hears_withdrawal(ws_first, first.id)
        await nothing_arrives(ws_second)


# /ready and the metrics while the listener is down.

CONNECTED = "talent_events_listener_connected"
RECONNECTS = "talent_events_listener_reconnects_total"


@contextlib.asynccontextmanager
async def admin() -> AsyncIterator[asyncpg.Connection]:
    """A connection to the server's admin database, which stays reachable throughout."""
    conn = await asyncpg.connect(POSTGRES_ADMIN_DSN.replace("postgres://", "postgresql://"))
    try:
        yield conn
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def listener_cut_off(database_url: str) -> AsyncIterator[None]:
    """Kill the listening connection and refuse new connections until the block ends.

    The ORM keeps the connections it has open, so the app still serves; only the
    listener, which must connect anew, stays down for as long as the test needs.
    """
    database = database_url.rsplit("/", 1)[1]
    async with admin() as conn:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        try:
            killed = await conn.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND application_name = $2",
                database,
                APPLICATION_NAME,
            )
            assert len(killed) == 1, killed  # the app's own listener
            yield
        finally:
            await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


async def ready_becomes(
    http: httpx.AsyncClient, status: int, seconds: float = 35.0
) -> httpx.Response:
    """``GET /ready`` until it answers ``status`` (35 s: the longest backoff is 30 s)."""
    for _ in range(int(seconds * 20)):
        response = await http.get("/ready")
        if response.status_code == status:
            return response
        await asyncio.sleep(0.05)
    raise AssertionError(f"/ready never answered {status}: {response.text}")


async def test_ready_follows_the_listener_and_its_subscribers_are_told_of_the_gap(
    app: Any, client: GraphQLClient, settings: Settings
) -> None:
    first = await submitted(app, client, 1)
    second = await submitted(app, client, 2)
    first_id = await user_id_of(first.client)
    second_id = await user_id_of(second.client)
    assert (await client.http.get("/ready")).status_code == 200
    before = await scrape(client.http)
    assert value(before, CONNECTED, channel=CHANNEL) == 1

    async with websocket(app) as http, contextlib.AsyncExitStack() as stack:
        ws_first = await subscribe(http, first.client.token, stack)
        ws_second = await subscribe(http, second.client.token, stack)
        await subscribed(app, first_id)
        await subscribed(app, second_id)

        async with listener_cut_off(settings.database_url):
            down = await ready_becomes(client.http, 503, WAIT)
            assert down.json()["status"] == "not ready"
            checks = down.json()["checks"]
            assert checks["database"] == checks["migrations"] == checks["policyYear"] == "ok"
            assert re.fullmatch(
                r"reconnecting since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: .+", checks["events"]
            ), checks
            # Liveness does not depend on it: nothing to restart.
            assert (await client.http.get("/health")).status_code == 200
            assert value(await scrape(client.http), CONNECTED, channel=CHANNEL) == 0

            # A change made now is announced to nobody on this worker.
            withdrawn = await first.client.execute(WITHDRAW, {"a": first.id})
            assert withdrawn["withdrawApplication"]["state"] == "withdrawn", withdrawn
            await nothing_arrives(ws_first)

        up = await ready_becomes(client.http, 200)
        assert up.json()["checks"]["events"] == "ok"
        # Both subscriptions were open while nothing was heard: they complete.
        for ws in (ws_first, ws_second):
            assert await ws.receive_json(timeout=WAIT) == {"id": "1", "type": "complete"}

        # The client subscribes again, then re-reads what it may have missed ...
        ws_first_again = await subscribe(http, first.client.token, stack)
        ws_second_again = await subscribe(http, second.client.token, stack)
        await subscribed(app, first_id)
        await subscribed(app, second_id)
        assert (await mine(first.client, first.id))["state"] == "withdrawn"
        # ... and hears the changes from then on.
        withdrawn = await second.client.execute(WITHDRAW, {"a": second.id})
        assert withdrawn["withdrawApplication"]["state"] == "withdrawn", withdrawn
        change = await next_change(ws_second_again)
        assert (change["applicationId"], change["state"]) == (second.id, "withdrawn")
        await nothing_arrives(ws_first_again)

    after = await scrape(client.http)
    assert value(after, CONNECTED, channel=CHANNEL) == 1
    assert (
        value(after, RECONNECTS, channel=CHANNEL) == value(before, RECONNECTS, channel=CHANNEL) + 1
    )
    state = app.state.services.events.state
    assert state.connected and state.reconnects == 1


async def test_a_listener_that_never_connected_keeps_the_worker_unready(
    settings: Settings, clock: ManualClock, face_provider: SimulatedFaceProvider
) -> None:
    """Start-up waits for the first LISTEN only so long; the worker then serves, not ready."""
    nowhere = settings.database_url.rsplit("/", 1)[0] + "/talent_no_such_database"
    broker = PostgresEventBroker(nowhere, start_timeout_seconds=0.3, initial_backoff_seconds=0.1)
    app = create_app(settings, clock=clock, face_provider=face_provider, events=broker)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert not broker.listening
            response = await http.get("/ready")
            assert response.status_code == 503
            reason = response.json()["checks"]["events"]
            assert reason.startswith("connecting since "), reason
            assert reason.endswith(": InvalidCatalogNameError"), reason
            assert (await http.get("/health")).status_code == 200
            assert value(await scrape(http), CONNECTED, channel=CHANNEL) == 0
