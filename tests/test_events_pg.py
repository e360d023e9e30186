"""State changes heard across worker processes through PostgreSQL ``LISTEN/NOTIFY``.

Two brokers (or two apps) on one database stand for two ``talent serve`` workers: a
change published by one reaches the subscribers of the other, and only the applicant's
own; a notification sent inside a transaction is heard only once it commits; a listener
whose connection is killed reconnects. End to end, an applicant subscribed over a
websocket on app B hears the withdrawal made over HTTP on app A.

PostgreSQL only: skipped on a laptop without it, failed when
``TALENT_TEST_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from tortoise.transactions import in_transaction

from core.app import create_app
from core.clock import ManualClock
from core.events import ApplicationChanged
from core.events_pg import APPLICATION_NAME, PostgresEventBroker, listener_credentials
from core.face import SimulatedFaceProvider
from core.settings import Settings
from tests.database import throwaway_postgres
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, submitted
from tests.test_subscriptions import (
    WITHDRAW,
    hears_withdrawal,
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
