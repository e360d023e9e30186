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
there. So that a subscriber does not wait for what it missed, every subscription of the
process that was open during the gap ends when the listener listens again (the client
sees the subscription complete, subscribes again and re-reads ``myApplications``).

The listener's state (:class:`ListenerState`) is the process's: ``/ready`` answers 503
while a started listener is not connected (core/health.py), and the metrics export
``talent_events_listener_connected`` and ``talent_events_listener_reconnects_total``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from core import metrics
from core.events import ApplicationChanged, EventBroker

logger = logging.getLogger("talent.events")

CHANNEL = "application_changes"
# Names the listening connections in pg_stat_activity (operators, and the tests).
APPLICATION_NAME = "talent-events"
_POSTGRES_ENGINES = ("tortoise.backends.asyncpg", "tortoise.backends.psycopg")
# The parts of a tortoise URL's credentials asyncpg.connect understands (the rest are
# the ORM pool's: minsize, maxsize, ...).
_CONNECT_KEYS = ("host", "port", "user", "password", "database", "ssl")


ListenerStatus = Literal["connecting", "connected", "reconnecting", "stopped"]


@dataclass(frozen=True)
class ListenerState:
    """What a listener is doing, since when (wall clock, UTC), and how it got there.

    ``connecting`` until the first ``LISTEN``; ``reconnecting`` after a lost connection
    until the next one. ``reconnects`` counts the times it listened again after a loss;
    ``last_error`` is the latest failure (an exception's name, or ``connection lost``).
    """

    status: ListenerStatus
    since: datetime
    reconnects: int = 0
    last_error: str | None = None

    @property
    def connected(self) -> bool:
        return self.status == "connected"

    def reason(self) -> str:
        """Why this process is not hearing changes, for ``/ready`` and the log."""
        text = f"{self.status} since {self.since:%Y-%m-%dT%H:%M:%SZ}"
        return f"{text}: {self.last_error}" if self.last_error else text


# The listeners started in this process, for the metric. In a server it is one (a
# worker process holds one broker); the tests start several in one process, and then
# the process hears every change only while all of them listen.
_started: weakref.WeakSet[PostgresEventBroker] = weakref.WeakSet()


def _export_listening() -> None:
    brokers = list(_started)
    metrics.events_listener_connected(CHANNEL, bool(brokers) and all(b.listening for b in brokers))


def _now() -> datetime:
    return datetime.now(UTC)


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
        self._state = ListenerState("stopped", _now())
        # Set, and replaced, each time the listener starts listening: it ends the
        # subscriptions that were open while nothing was heard.
        self._gap_closed = asyncio.Event()

    @property
    def listening(self) -> bool:
        """Whether this process hears notifications right now."""
        return self._listening.is_set()

    @property
    def state(self) -> ListenerState:
        return self._state

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

    async def subscribe(self, applicant_id: int) -> AsyncIterator[ApplicationChanged]:
        """The applicant's changes, until the caller stops or the listener reconnects.

        Changes announced while the listener was not connected are lost; ending the
        subscription when it listens again tells the subscriber to re-read (subscribing
        again first, so that nothing falls between the read and the new subscription).
        """
        gap_closed = asyncio.ensure_future(self._gap_closed.wait())
        changes = self._local.subscribe(applicant_id)
        change: asyncio.Future[ApplicationChanged] | None = None
        try:
            while True:
                change = asyncio.ensure_future(anext(changes))
                await asyncio.wait({change, gap_closed}, return_when=asyncio.FIRST_COMPLETED)
                if not change.done():
                    return
                yield change.result()
        finally:
            gap_closed.cancel()
            if change is not None and not change.done():
                # The local subscription is running in that task: end it there first.
                change.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await change
            await changes.aclose()  # type: ignore[attr-defined]

    def subscriber_count(self, applicant_id: int) -> int:
        return self._local.subscriber_count(applicant_id)

    def missing_changes(self) -> str | None:
        return None if self.listening else self._state.reason()

    async def start(self) -> None:
        """Open the listening connection; keep it open (reconnecting) until :meth:`stop`.

        Waits for the first ``LISTEN`` so that a process that reports ready hears every
        change; if the database does not answer in time, the process serves anyway and
        keeps trying in the background.
        """
        if self._task is not None:
            return
        self._listening = asyncio.Event()
        self._state = ListenerState("connecting", _now())
        _started.add(self)
        _export_listening()
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
        self._state = replace(self._state, status="stopped", since=_now())
        _started.discard(self)
        _export_listening()

    async def _listen_forever(self) -> None:
        backoff = self.initial_backoff_seconds
        while True:
            connected_at = time.monotonic()
            try:
                await self._listen_once()
                reason = "connection lost"
            except Exception as error:
                logger.warning("State-change listener failed: %s", error)
                reason = type(error).__name__
            self._not_listening(reason)
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
            self._now_listening()
            while not conn.is_closed():
                try:
                    await asyncio.wait_for(lost.wait(), self.keepalive_seconds)
                except TimeoutError:
                    await conn.fetchval("SELECT 1", timeout=self.keepalive_seconds)
            logger.warning("State-change listener lost its connection")
        finally:
            # Not ready from this moment, not only once the old connection is closed.
            self._not_listening("connection lost")
            if not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), 2)
                except Exception:
                    conn.terminate()

    def _now_listening(self) -> None:
        previous = self._state
        again = previous.status == "reconnecting"
        self._state = ListenerState(
            "connected", _now(), previous.reconnects + (1 if again else 0), previous.last_error
        )
        self._listening.set()
        # End the subscriptions that were open while nothing was heard; later ones wait
        # for the next gap.
        gap_closed, self._gap_closed = self._gap_closed, asyncio.Event()
        gap_closed.set()
        if again:
            metrics.count_events_reconnect(CHANNEL)
            logger.warning(
                "Listening for state changes again after %s (%s)", previous.reason(), CHANNEL
            )
        else:
            logger.info("Listening for state changes on %s", CHANNEL)
        _export_listening()

    def _not_listening(self, reason: str) -> None:
        """The connection is lost or could not be opened: keep the time it went down."""
        self._listening.clear()
        state = self._state
        if state.status == "connected":
            state = ListenerState("reconnecting", _now(), state.reconnects)
        elif state.status == "stopped":
            return
        self._state = replace(state, last_error=reason)
        _export_listening()

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = decode(payload)
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignored a malformed state-change notification: %.200s", payload)
            return
        self._local.deliver(event)
