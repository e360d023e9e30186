"""Application state changes as events, for the ``applicationChanges`` subscription.

The lifecycle publishes every transition and each subscriber, a signed-in applicant's
websocket, receives the changes of their own applications. Two brokers share one
interface (:class:`Broker`):

- :class:`EventBroker`, in-process: what one SQLite worker needs (SQLite runs one
  worker), and the local fan-out inside the other;
- ``core.events_pg.PostgresEventBroker``: on PostgreSQL every worker process ``LISTEN``s
  on one channel and ``publish`` sends ``NOTIFY``, so a websocket held by one worker
  hears the changes made in any other (and the timers another worker fired).

``core.services.build_services`` picks by the database URL; the app's lifespan starts
and stops the broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

logger = logging.getLogger("talent.events")


@dataclass(frozen=True)
class ApplicationChanged:
    """An application (申请) entered ``state`` at ``at``."""

    application_id: int
    applicant_id: int
    state: str
    at: datetime


class Broker(Protocol):
    """What the lifecycle publishes to and the subscription reads from."""

    async def publish(self, event: ApplicationChanged) -> None:
        """Announce a change; awaited by the lifecycle right after its transition.

        Never fails the caller: the transition is already made.
        """

    def subscribe(self, applicant_id: int) -> AsyncIterator[ApplicationChanged]:
        """The applicant's changes from now on, until the caller stops iterating."""
        ...

    def subscriber_count(self, applicant_id: int) -> int: ...

    def missing_changes(self) -> str | None:
        """Why this process would not hear a change made now (``/ready``), or None."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class EventBroker:
    """Fan-out of :class:`ApplicationChanged` to the subscribers of the applicant."""

    def __init__(self, *, queue_size: int = 100) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[int, set[asyncio.Queue[ApplicationChanged]]] = {}

    async def publish(self, event: ApplicationChanged) -> None:
        self.deliver(event)

    def deliver(self, event: ApplicationChanged) -> None:
        """Deliver to every current subscriber of the applicant; never blocks.

        A subscriber that stopped reading loses its oldest queued change rather than
        slowing the transition that published it.
        """
        for queue in tuple(self._subscribers.get(event.applicant_id, ())):
            if queue.full():
                queue.get_nowait()
                logger.warning(
                    "Subscriber of applicant %s is slow: dropped a change", event.applicant_id
                )
            queue.put_nowait(event)

    def subscriber_count(self, applicant_id: int) -> int:
        return len(self._subscribers.get(applicant_id, ()))

    def missing_changes(self) -> str | None:
        return None  # one process publishes and hears every change itself

    async def subscribe(self, applicant_id: int) -> AsyncIterator[ApplicationChanged]:
        """The applicant's changes from now on, until the caller stops iterating."""
        queue: asyncio.Queue[ApplicationChanged] = asyncio.Queue(self.queue_size)
        self._subscribers.setdefault(applicant_id, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            queues = self._subscribers.get(applicant_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._subscribers[applicant_id]

    async def start(self) -> None:
        """Nothing to open: the subscribers live in this process."""

    async def stop(self) -> None:
        """Nothing to close."""


# The process's in-process broker: ``services.events`` on SQLite unless a deployment
# passes its own to ``build_services``.
default_broker = EventBroker()
