"""Application state changes as events, for the ``applicationChanges`` subscription.

An in-process broker: the lifecycle publishes every transition (after it committed)
and each subscriber, a signed-in applicant's websocket, receives the changes of their
own applications. It sees only the changes made in its own process: with several server
workers, a deployment replaces it by one backed by PostgreSQL ``LISTEN/NOTIFY`` (publish
sends ``NOTIFY application_changes, '<json>'``, every worker ``LISTEN``s and fans out to
its local subscribers), with the same two methods.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger("talent.events")


@dataclass(frozen=True)
class ApplicationChanged:
    """An application (申请) entered ``state`` at ``at``."""

    application_id: int
    applicant_id: int
    state: str
    at: datetime


class EventBroker:
    """Fan-out of :class:`ApplicationChanged` to the subscribers of the applicant."""

    def __init__(self, *, queue_size: int = 100) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[int, set[asyncio.Queue[ApplicationChanged]]] = {}

    def publish(self, event: ApplicationChanged) -> None:
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


# The process's broker: ``services.events`` is this object unless a deployment passes
# its own to ``build_services``.
default_broker = EventBroker()


def publish(event: ApplicationChanged) -> None:
    default_broker.publish(event)


def subscribe(applicant_id: int) -> AsyncIterator[ApplicationChanged]:
    return default_broker.subscribe(applicant_id)
