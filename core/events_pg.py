"""State-change events across worker processes: PostgreSQL ``LISTEN/NOTIFY``.

With ``talent serve --workers N`` (or several hosts) a websocket is held by one worker
while the change it waits for is made by another, or by a timer another worker fired.
Every process therefore keeps one dedicated connection that ``LISTEN``s on
``application_changes`` and hands each notification to its own subscribers (an inner
:class:`~core.events.EventBroker`); ``publish`` only sends the ``NOTIFY``, and the
publishing process hears it back like every other.

``publish`` runs ``pg_notify`` on the ORM's connection of the caller's context. After a
request's transition that is autocommit: delivered at once. A timer's transition runs
inside the job's transaction (core/jobs.py), and there PostgreSQL holds the notification
until that transaction commits and drops it if it rolls back, so nobody hears of a
change that did not happen. Each transition awaits its ``NOTIFY`` before it returns and
PostgreSQL delivers in commit order, so an applicant's changes arrive in order.

Events are not stored: a change announced while a listener reconnects is not heard
there (clients re-read ``myApplications`` after a reconnect in any case).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from core.events import ApplicationChanged, EventBroker

logger = logging.getLogger("talent.events")

CHANNEL = "application_changes"
# Names the listening connections in pg_stat_activity (operators, and the tests).
APPLICATION_NAME = "talent-events"
_POSTGRES_ENGINES = ("tortoise.backends.asyncpg", "tortoise.backends.psycopg")
# The parts of a tortoise URL's credentials asyncpg.connect understands (the rest are
# the ORM pool's: minsize, maxsize, ...).
_CONNECT_KEYS = ("host", "port", "user", "password", "database", "ssl")


def is_postgres_url(database_url: str) -> bool:
    return str(expand_db_url(database_url)["engine"]) in _POSTGRES_ENGINES


def listener_credentials(database_url: str) -> dict[str, Any]:
    """``asyncpg.connect`` arguments for the database the ORM uses."""
    credentials = expand_db_url(database_url)["credentials"]
    return {k: credentials[k] for k in _CONNECT_KEYS if credentials.get(k) is not None}


def encode(event: ApplicationChanged) -> str:
    # A few dozen bytes: far below NOTIFY's 8000-byte payload limit.
    return json.dumps(
        {
            "applicationId": event.application_id,
            "applicantId": event.applicant_id,
            "state": event.state,
            "at": event.at.isoformat(),
        },
        separators=(",", ":"),
    )


def decode(payload: str) -> ApplicationChanged:
    data = json.loads(payload)
    return ApplicationChanged(
        application_id=int(data["applicationId"]),
        applicant_id=int(data["applicantId"]),
        state=str(data["state"]),
        at=datetime.fromisoformat(str(data["at"])),
    )


class PostgresEventBroker:
    """A :class:`~core.events.Broker` shared by every process on one PostgreSQL database."""

    def __init__(
        self,
        database_url: str,
        *,
        queue_size: int = 100,
        keepalive_seconds: float = 30.0,
        initial_backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        start_timeout_seconds: float = 10.0,
    ) -> None:
        self._credentials = listener_credentials(database_url)
        self._local = EventBroker(queue_size=queue_size)
        # A connection may die silently (a NAT or firewall forgetting it): a query now
        # and then finds out, where waiting for notifications alone never would.
        self.keepalive_seconds = keepalive_seconds
        self.initial_backoff_seconds = initial_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.start_timeout_seconds = start_timeout_seconds
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @property
    def listening(self) -> bool:
        """Whether this process hears notifications right now."""
        return self._listening.is_set()

    async def publish(self, event: ApplicationChanged) -> None:
        try:
            await connections.get("default").execute_query(
                "SELECT pg_notify($1, $2)", [CHANNEL, encode(event)]
            )
        except Exception:
            # The transition is made; a lost announcement must not undo or fail it. (Inside
            # a timer's transaction the failed statement aborts that transaction, which
            # rolls back and the timer runs again: nothing half-announced is committed.)
            logger.exception(
                "Could not announce application %s entering %s", event.application_id, event.state
            )

    def subscribe(self, applicant_id: int) -> AsyncIterator[ApplicationChanged]:
        return self._local.subscribe(applicant_id)

    def subscriber_count(self, applicant_id: int) -> int:
        return self._local.subscriber_count(applicant_id)

    async def start(self) -> None:
        """Open the listening connection; keep it open (reconnecting) until :meth:`stop`.

        Waits for the first ``LISTEN`` so that a process that reports ready hears every
        change; if the database does not answer in time, the process serves anyway and
        keeps trying in the background.
        """
        if self._task is not None:
            return
        self._listening = asyncio.Event()
        self._task = asyncio.create_task(self._listen_forever(), name="talent-events-listener")
        try:
            await asyncio.wait_for(self._listening.wait(), self.start_timeout_seconds)
        except TimeoutError:
            logger.error("Not listening for state changes yet: retrying in the background")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _listen_forever(self) -> None:
        backoff = self.initial_backoff_seconds
        while True:
            connected_at = time.monotonic()
            try:
                await self._listen_once()
            except Exception as error:
                logger.warning("State-change listener failed: %s", error)
            if time.monotonic() - connected_at > self.max_backoff_seconds:
                backoff = self.initial_backoff_seconds  # it held a while: start over
            logger.warning("State-change listener reconnecting in %.1f s", backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff_seconds)

    async def _listen_once(self) -> None:
        """One connection's life: ``LISTEN``, then wait until it is lost."""
        conn: asyncpg.Connection = await asyncpg.connect(
            **self._credentials,
            timeout=self.start_timeout_seconds,
            server_settings={"application_name": APPLICATION_NAME},
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._received)
            self._listening.set()
            logger.info("Listening for state changes on %s", CHANNEL)
            while not conn.is_closed():
                try:
                    await asyncio.wait_for(lost.wait(), self.keepalive_seconds)
                except TimeoutError:
                    await conn.fetchval("SELECT 1", timeout=self.keepalive_seconds)
            logger.warning("State-change listener lost its connection")
        finally:
            self._listening.clear()
            if not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), 2)
                except Exception:
                    conn.terminate()

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = decode(payload)
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignored a malformed state-change notification: %.200s", payload)
            return
        self._local.deliver(event)
