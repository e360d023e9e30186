"""Durable timers (定时任务): jobs kept in the database, fired once when due.

Why a table and not ``asyncio`` timers: an application awaiting acceptance is accepted
on the 6th working day even when the server restarted in between, and with several
server processes exactly one of them may act.

How a job fires exactly once:

1. **Claim** in a short transaction. On PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED``
   picks a due row no other worker holds and marks it ``running`` with this worker's
   id. SQLite has no row locks: a conditional ``UPDATE ... WHERE status = <as read>
   AND attempts = <as read>`` claims it, and only the worker whose update changed a row
   owns the job.
2. **Run** the handler in a transaction that also marks the job ``done``: the handler's
   database writes and the completion commit together or not at all.
3. A failing handler's writes are rolled back; the job goes back to ``pending`` with an
   exponential backoff, and after ``max_attempts`` it is ``failed`` with the error kept.
   A worker that died after claiming leaves a ``running`` row whose lease expires after
   ``lease_seconds``; another worker then claims it again.

A handler should check that its occasion still holds (the application may have moved
on) and simply return when there is nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.clock import Clock
from core.db import db_time
from core.models.jobs import Job, JobStatus

logger = logging.getLogger("talent.jobs")


Handler = Callable[[Job], Awaitable[None]]


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    max_attempts: int


def worker_name() -> str:
    """Identifies one process's queue in ``locked_by``: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobQueue:
    """Schedule, cancel and run durable jobs. ``services.jobs`` holds one per process."""

    def __init__(
        self,
        clock: Clock,
        *,
        worker_id: str | None = None,
        max_attempts: int = 5,
        backoff_seconds: float = 60.0,
        max_backoff_seconds: float = 3600.0,
        lease_seconds: float = 900.0,
    ) -> None:
        self.clock = clock
        self.worker_id = worker_id or worker_name()
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.lease_seconds = lease_seconds
        self._handlers: dict[str, _Registration] = {}
        self._runner: asyncio.Task[None] | None = None

    # Registration and scheduling

    def register(self, kind: str, handler: Handler, *, max_attempts: int | None = None) -> None:
        """Run ``handler`` for due jobs of ``kind``. A kind has one handler."""
        if kind in self._handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = _Registration(handler, max_attempts or self.max_attempts)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._handlers))

    async def schedule(
        self, kind: str, *, key: str, due_at: datetime, payload: dict[str, Any]
    ) -> Job:
        """Schedule a job; idempotent by ``key``.

        A pending job with the same key gets the new due time and payload. A job that
        already finished (done, failed, cancelled) is armed again: a new ``schedule``
        call is a new occasion. A running job is left alone.
        """
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        due_at = db_time(due_at)
        job = await Job.get_or_none(key=key)
        if job is None:
            try:
                return await Job.create(kind=kind, key=key, due_at=due_at, payload=payload)
            except IntegrityError:
                # Another worker scheduled the same key at the same moment.
                job = await Job.get(key=key)
        if job.status == JobStatus.RUNNING:
            return job
        fields: dict[str, Any] = {"kind": kind, "due_at": due_at, "payload": payload}
        if job.status != JobStatus.PENDING:
            fields |= {
                "status": JobStatus.PENDING,
                "attempts": 0,
                "last_error": None,
                "finished_at": None,
                "locked_by": None,
                "locked_at": None,
            }
        # Conditional on the status read, so a worker claiming it meanwhile wins.
        await Job.filter(id=job.id, status=job.status).update(**fields)
        return await Job.get(id=job.id)

    async def cancel(self, key: str) -> None:
        """Cancel a pending job. Unknown keys and finished or running jobs are left alone."""
        await Job.filter(key=key, status=JobStatus.PENDING).update(
            status=JobStatus.CANCELLED, finished_at=db_time(self.clock.now())
        )

    async def get(self, key: str) -> Job | None:
        return await Job.get_or_none(key=key)

    async def pending(self, *, limit: int = 100) -> list[Job]:
        """Pending and running jobs, soonest first (``talent jobs list``)."""
        return (
            await Job.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
            .order_by("due_at", "id")
            .limit(limit)
        )

    # Running

    async def run_due(self, now: datetime | None = None, *, limit: int = 100) -> int:
        """Fire up to ``limit`` due jobs of the registered kinds; how many handlers ran.

        Safe to call from several processes at once: each job is claimed by one of them.
        """
        fired = 0
        while fired < limit:
            moment = db_time(now or self.clock.now())
            job = await self._claim(moment)
            if job is None:
                break
            await self._execute(job, moment)
            fired += 1
        return fired

    def _due(self, now: datetime) -> Q:
        now = db_time(now)
        stale = now - timedelta(seconds=self.lease_seconds)
        return Q(kind__in=list(self._handlers)) & (
            Q(status=JobStatus.PENDING, due_at__lte=now)
            | Q(status=JobStatus.RUNNING, locked_at__lt=stale)
        )

    async def _claim(self, now: datetime) -> Job | None:
        if not self._handlers:
            return None
        if connections.get("default").capabilities.support_for_update:
            return await self._claim_locking(now)
        return await self._claim_conditional(now)

    async def _claim_locking(self, now: datetime) -> Job | None:
        """PostgreSQL: lock one due row, skipping rows other workers hold."""
        async with in_transaction() as conn:
            rows = (
                await Job.filter(self._due(now))
                .order_by("due_at", "id")
                .limit(1)
                .select_for_update(skip_locked=True)
                .using_db(conn)
            )
            if not rows:
                return None
            job = rows[0]
            job.status = JobStatus.RUNNING
            job.attempts += 1
            job.locked_by = self.worker_id
            job.locked_at = now
            await job.save(
                using_db=conn,
                update_fields=["status", "attempts", "locked_by", "locked_at", "updated_at"],
            )
            return job

    async def _claim_conditional(self, now: datetime) -> Job | None:
        """SQLite: the worker whose conditional update changes the row owns the job."""
        candidates = await Job.filter(self._due(now)).order_by("due_at", "id").limit(10)
        for seen in candidates:
            claimed = await Job.filter(
                id=seen.id, status=seen.status, attempts=seen.attempts
            ).update(
                status=JobStatus.RUNNING,
                attempts=seen.attempts + 1,
                locked_by=self.worker_id,
                locked_at=now,
            )
            if claimed == 1:
                return await Job.get(id=seen.id)
        return None

    async def _execute(self, job: Job, now: datetime) -> None:
        registration = self._handlers[job.kind]
        try:
            async with in_transaction():
                await registration.handler(job)
                await Job.filter(id=job.id, locked_by=self.worker_id).update(
                    status=JobStatus.DONE,
                    finished_at=now,
                    locked_by=None,
                    locked_at=None,
                    last_error=None,
                )
        except Exception as error:
            await self._failed(job, registration, error, now)
        else:
            logger.info("Job %s (%s) done on attempt %s", job.key, job.kind, job.attempts)

    async def _failed(
        self, job: Job, registration: _Registration, error: Exception, now: datetime
    ) -> None:
        message = f"{type(error).__name__}: {error}"[:2000]
        if job.attempts >= registration.max_attempts:
            logger.error("Job %s (%s) failed for good: %s", job.key, job.kind, message)
            await Job.filter(id=job.id, locked_by=self.worker_id).update(
                status=JobStatus.FAILED,
                last_error=message,
                finished_at=now,
                locked_by=None,
                locked_at=None,
            )
            return
        delay = min(
            self.backoff_seconds * 2 ** (job.attempts - 1),
            self.max_backoff_seconds,
        )
        logger.warning(
            "Job %s (%s) attempt %s failed, retrying in %ss: %s",
            job.key,
            job.kind,
            job.attempts,
            delay,
            message,
        )
        await Job.filter(id=job.id, locked_by=self.worker_id).update(
            status=JobStatus.PENDING,
            due_at=now + timedelta(seconds=delay),
            last_error=message,
            locked_by=None,
            locked_at=None,
        )

    # The background runner of a server process

    def start(self, poll_seconds: float) -> None:
        """Run due jobs every ``poll_seconds`` in the background (0: don't)."""
        if poll_seconds <= 0 or self._runner is not None:
            return
        self._runner = asyncio.create_task(self._poll(poll_seconds), name="talent-jobs")

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner

    async def _poll(self, poll_seconds: float) -> None:
        while True:
            try:
                fired = await self.run_due()
                if fired:
                    logger.info("Fired %s due job(s)", fired)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not end the runner: log and try next round.
                logger.exception("Running due jobs failed")
            await asyncio.sleep(poll_seconds)
