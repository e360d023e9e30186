"""Durable timers: due once, idempotent by key, cancellable, retried, durable, and
fired once when several workers run them at the same moment."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.app import create_app
from core.clock import ManualClock
from core.jobs import JobQueue
from core.models import AuditLog, Job, JobStatus
from core.settings import Settings
from tests.database import empty_tables, forget_backend

ROOT = Path(__file__).resolve().parents[1]


class Recorder:
    """A handler that remembers what it fired, and leaves a row in the same transaction."""

    def __init__(self, *, fail: int = 0, delay: float = 0.0) -> None:
        self.fired: list[str] = []
        self.fail = fail
        self.delay = delay

    async def __call__(self, job: Job) -> None:
        self.fired.append(job.key)
        await AuditLog.create(
            action="job.fired", actor_id=None, subject_type="job", subject_id=job.key
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            self.fail -= 1
            raise RuntimeError(f"handler broke on {job.key}")


def jobs_of(app: Any) -> JobQueue:
    queue: JobQueue = app.state.services.jobs
    return queue


async def fired_rows(key: str) -> int:
    return await AuditLog.filter(action="job.fired", subject_id=key).count()


async def test_job_fires_once_when_due_and_not_before(app: Any, clock: ManualClock) -> None:
    jobs = jobs_of(app)
    handler = Recorder()
    jobs.register("test.timer", handler)
    job = await jobs.schedule(
        "test.timer", key="timer:1", due_at=clock.now() + timedelta(hours=1), payload={"a": 1}
    )
    assert job.status == JobStatus.PENDING

    assert await jobs.run_due() == 0
    clock.advance(minutes=59)
    assert await jobs.run_due() == 0
    assert handler.fired == []

    clock.advance(minutes=1)
    assert await jobs.run_due() == 1
    assert await jobs.run_due() == 0
    clock.advance(days=3)
    assert await jobs.run_due() == 0
    assert handler.fired == ["timer:1"]

    done = await Job.get(key="timer:1")
    assert done.status == JobStatus.DONE
    assert done.attempts == 1
    assert done.payload == {"a": 1}
    assert done.locked_by is None
    assert await fired_rows("timer:1") == 1


async def test_scheduling_is_idempotent_by_key(app: Any, clock: ManualClock) -> None:
    jobs = jobs_of(app)
    handler = Recorder()
    jobs.register("test.timer", handler)
    first = clock.now() + timedelta(hours=1)
    later = clock.now() + timedelta(hours=5)
    await jobs.schedule("test.timer", key="timer:2", due_at=first, payload={"v": 1})
    moved = await jobs.schedule("test.timer", key="timer:2", due_at=later, payload={"v": 2})

    assert await Job.filter(key="timer:2").count() == 1
    assert moved.due_at == later
    assert moved.payload == {"v": 2}
    clock.advance(hours=1)
    assert await jobs.run_due() == 0  # the old due time no longer applies
    clock.advance(hours=4)
    assert await jobs.run_due() == 1
    assert handler.fired == ["timer:2"]

    # Scheduling a finished job's key again is a new occasion: it fires again.
    await jobs.schedule("test.timer", key="timer:2", due_at=clock.now(), payload={"v": 3})
    assert await jobs.run_due() == 1
    assert handler.fired == ["timer:2", "timer:2"]
    assert await Job.filter(key="timer:2").count() == 1


async def test_cancelled_job_never_fires(app: Any, clock: ManualClock) -> None:
    jobs = jobs_of(app)
    handler = Recorder()
    jobs.register("test.timer", handler)
    await jobs.schedule("test.timer", key="timer:3", due_at=clock.now(), payload={})
    await jobs.schedule("test.timer", key="timer:4", due_at=clock.now(), payload={})
    await jobs.cancel("timer:3")
    await jobs.cancel("no-such-key")  # nothing to cancel is not an error

    assert await jobs.run_due() == 1
    assert handler.fired == ["timer:4"]
    cancelled = await Job.get(key="timer:3")
    assert cancelled.status == JobStatus.CANCELLED
    assert cancelled.attempts == 0
    assert await fired_rows("timer:3") == 0


async def test_failing_handler_is_retried_with_backoff_then_failed(
    app: Any, clock: ManualClock
) -> None:
    jobs = jobs_of(app)
    handler = Recorder(fail=10)
    jobs.register("test.flaky", handler, max_attempts=3)
    await jobs.schedule("test.flaky", key="flaky:1", due_at=clock.now(), payload={})

    assert await jobs.run_due() == 1
    job = await Job.get(key="flaky:1")
    assert job.status == JobStatus.PENDING
    assert job.attempts == 1
    assert job.due_at == clock.now() + timedelta(seconds=jobs.backoff_seconds)
    assert "handler broke on flaky:1" in (job.last_error or "")
    # The failed attempt's writes were rolled back with it.
    assert await fired_rows("flaky:1") == 0

    assert await jobs.run_due() == 0  # not before the backoff
    clock.advance(seconds=jobs.backoff_seconds)
    assert await jobs.run_due() == 1
    job = await Job.get(key="flaky:1")
    assert job.attempts == 2
    # The backoff doubles.
    assert job.due_at == clock.now() + timedelta(seconds=2 * jobs.backoff_seconds)

    clock.advance(seconds=2 * jobs.backoff_seconds)
    assert await jobs.run_due() == 1
    job = await Job.get(key="flaky:1")
    assert job.status == JobStatus.FAILED
    assert job.attempts == 3
    assert job.last_error == "RuntimeError: handler broke on flaky:1"
    assert job.finished_at is not None

    clock.advance(days=1)
    assert await jobs.run_due() == 0
    assert handler.fired == ["flaky:1"] * 3


async def test_retry_succeeds_after_a_failure(app: Any, clock: ManualClock) -> None:
    jobs = jobs_of(app)
    handler = Recorder(fail=1)
    jobs.register("test.flaky", handler)
    await jobs.schedule("test.flaky", key="flaky:2", due_at=clock.now(), payload={})
    assert await jobs.run_due() == 1
    clock.advance(seconds=jobs.backoff_seconds)
    assert await jobs.run_due() == 1
    job = await Job.get(key="flaky:2")
    assert job.status == JobStatus.DONE
    assert job.last_error is None
    assert await fired_rows("flaky:2") == 1


async def test_unregistered_kinds_are_left_for_a_process_that_knows_them(
    app: Any, clock: ManualClock
) -> None:
    jobs = jobs_of(app)
    jobs.register("test.timer", Recorder())
    await jobs.schedule("test.other", key="other:1", due_at=clock.now(), payload={})
    assert await jobs.run_due() == 0
    assert (await Job.get(key="other:1")).status == JobStatus.PENDING
    with pytest.raises(ValueError):
        jobs.register("test.timer", Recorder())


async def test_a_worker_that_died_mid_job_is_taken_over_after_its_lease(
    app: Any, clock: ManualClock
) -> None:
    jobs = jobs_of(app)
    handler = Recorder()
    jobs.register("test.timer", handler)
    job = await jobs.schedule("test.timer", key="timer:5", due_at=clock.now(), payload={})
    # Another worker claims it and dies in the middle of its handler.
    dying = JobQueue(clock, worker_id="dead-worker")
    started = asyncio.Event()

    async def hang(job: Job) -> None:
        await AuditLog.create(
            action="job.fired", actor_id=None, subject_type="job", subject_id=job.key
        )
        started.set()
        await asyncio.sleep(3600)

    dying.register("test.timer", hang)
    task = asyncio.create_task(dying.run_due())
    await started.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    claimed = await Job.get(id=job.id)
    assert (claimed.status, claimed.locked_by) == (JobStatus.RUNNING, "dead-worker")
    assert await fired_rows("timer:5") == 0  # its writes died with it

    assert await jobs.run_due() == 0
    clock.advance(seconds=jobs.lease_seconds + 1)
    assert await jobs.run_due() == 1
    finished = await Job.get(id=job.id)
    assert finished.status == JobStatus.DONE
    assert finished.attempts == 2
    assert handler.fired == ["timer:5"]


async def test_jobs_survive_a_restart(settings: Settings, clock: ManualClock) -> None:
    await empty_tables(settings.database_url)
    first = create_app(settings, clock=clock)
    async with first.router.lifespan_context(first):
        await jobs_of(first).schedule(
            "test.timer", key="timer:6", due_at=clock.now() + timedelta(days=1), payload={"n": 6}
        )
    await forget_backend()

    clock.advance(days=2)
    second = create_app(settings, clock=clock)
    handler = Recorder()
    jobs_of(second).register("test.timer", handler)
    async with second.router.lifespan_context(second):
        assert await jobs_of(second).run_due() == 1
        assert handler.fired == ["timer:6"]
        assert (await Job.get(key="timer:6")).payload == {"n": 6}
    await forget_backend()


async def test_the_lifespan_runner_fires_due_jobs(settings: Settings, clock: ManualClock) -> None:
    await empty_tables(settings.database_url)
    application = create_app(settings.model_copy(update={"jobs_poll_seconds": 0.05}), clock=clock)
    handler = Recorder()
    jobs_of(application).register("test.timer", handler)
    async with application.router.lifespan_context(application):
        await jobs_of(application).schedule(
            "test.timer", key="timer:7", due_at=clock.now(), payload={}
        )
        for _ in range(200):
            if handler.fired:
                break
            await asyncio.sleep(0.025)
        assert handler.fired == ["timer:7"]
        for _ in range(200):
            if (await Job.get(key="timer:7")).status == JobStatus.DONE:
                break
            await asyncio.sleep(0.025)
        assert (await Job.get(key="timer:7")).status == JobStatus.DONE
    await forget_backend()


async def test_two_workers_at_once_fire_each_job_once(app: Any, clock: ManualClock) -> None:
    """Two queues (as two processes would have) racing over the same due jobs.

    On PostgreSQL each claim is its own transaction on its own pooled connection, with
    ``FOR UPDATE SKIP LOCKED``; on SQLite the conditional claim decides.
    """
    handler = Recorder(delay=0.005)
    workers = [JobQueue(clock, worker_id=name) for name in ("worker-a", "worker-b")]
    for worker in workers:
        worker.register("test.race", handler)
    keys = [f"race:{i}" for i in range(30)]
    for key in keys:
        await workers[0].schedule("test.race", key=key, due_at=clock.now(), payload={})

    counts = await asyncio.gather(*(w.run_due() for w in workers))

    assert sum(counts) == len(keys)
    assert sorted(handler.fired) == sorted(keys)
    for key in keys:
        assert await fired_rows(key) == 1
    assert await Job.filter(status=JobStatus.DONE).count() == len(keys)


WORKER = """
import asyncio, pathlib, sys, time
from core import db
from core.clock import Clock
from core.jobs import JobQueue
from core.models import AuditLog

async def main(url, name, barrier):
    await db.init(url)
    try:
        queue = JobQueue(Clock(), worker_id=name)

        async def handler(job):
            await AuditLog.create(action="job.fired", actor_id=None, subject_type=name,
                                  subject_id=job.key)
            await asyncio.sleep(0.02)

        queue.register("test.race", handler)
        # A barrier, not a start time: on a loaded machine one process may take
        # seconds longer to import, and must not find the work already done.
        folder = pathlib.Path(barrier)
        (folder / name).touch()
        deadline = time.time() + 60
        while len(list(folder.iterdir())) < 2 and time.time() < deadline:
            await asyncio.sleep(0.005)
        print(await queue.run_due(limit=1000))
    finally:
        await db.close()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
"""


async def test_two_processes_racing_fire_each_job_once(
    app: Any, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    jobs = jobs_of(app)
    keys = [f"race:{i}" for i in range(40)]
    for key in keys:
        await jobs.schedule(
            "test.race", key=key, due_at=clock.now() - timedelta(minutes=1), payload={}
        )
    barrier = tmp_path / "barrier"
    barrier.mkdir()

    def run(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", WORKER, settings.database_url, name, str(barrier)],
            cwd=ROOT,
            env={**os.environ, "TALENT_CONFIG": str(ROOT / "no-such-config.toml")},
            capture_output=True,
            text=True,
            timeout=120,
        )

    results = await asyncio.gather(
        asyncio.to_thread(run, "process-a"), asyncio.to_thread(run, "process-b")
    )
    for result in results:
        assert result.returncode == 0, result.stderr
    counts = [int(r.stdout.strip()) for r in results]
    assert sum(counts) == len(keys)
    if settings.database_url.startswith("postgres"):
        # Both really worked at the same time, yet no job fired twice. (SQLite admits one
        # writer at a time and its busy-wait can starve the other process for the whole
        # run; the embedded default runs one worker for that reason.)
        assert all(c > 0 for c in counts), counts
    for key in keys:
        assert await AuditLog.filter(action="job.fired", subject_id=key).count() == 1
    by_process = {
        name: await AuditLog.filter(action="job.fired", subject_type=name).count()
        for name in ("process-a", "process-b")
    }
    assert by_process == {"process-a": counts[0], "process-b": counts[1]}
    assert await Job.filter(status=JobStatus.DONE).count() == len(keys)


async def test_command_line_lists_and_runs_jobs(
    app: Any, settings: Settings, clock: ManualClock
) -> None:
    from tests.test_cli import talent

    jobs = jobs_of(app)
    await jobs.schedule(
        "test.unhandled", key="cli:1", due_at=clock.now() + timedelta(days=2), payload={}
    )
    listing = await talent(settings, "jobs", "list")
    assert listing.returncode == 0, listing.stderr
    assert "cli:1" in listing.stdout
    assert "test.unhandled" in listing.stdout
    assert "pending" in listing.stdout

    # The command line has no handler for this kind: it fires nothing and loses nothing.
    ran = await talent(settings, "jobs", "run")
    assert ran.returncode == 0, ran.stderr
    assert "Fired 0 due job(s)" in ran.stdout
    assert (await Job.get(key="cli:1")).status == JobStatus.PENDING
