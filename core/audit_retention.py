"""The audit log stays append-only and is kept ``audit_retention_days`` (留存不少于180天).

Append-only is enforced by the database, not only by the code that writes it: on
PostgreSQL a trigger refuses every ``UPDATE``, ``DELETE`` and ``TRUNCATE`` of
``audit_log``; ``DELETE`` and ``TRUNCATE`` pass only when the transaction set
``talent.audit_purge`` to ``on`` (``SET LOCAL``, gone at commit). Only :func:`purge`
sets it, and only for rows older than the retention period: an
``AuditLog.filter(...).delete()`` or ``.update()`` anywhere else fails. Someone with
the database owner's rights can still drop the trigger; that is what the database's
own logging and separate DBA duties are for.
SQLite (the embedded development profile) refuses ``UPDATE`` the same way and leaves
``DELETE`` to the code: it has no session settings a trigger could read.

The purge runs as a durable daily job (``core/jobs.py``), one job a day keyed by the
date, so several server processes purge once and a missed day is caught up.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from core.clock import Clock
from core.db import db_time
from core.jobs import JobQueue
from core.models import AuditLog
from core.models.jobs import Job
from core.workdays import TIMEZONE as LOCAL

logger = logging.getLogger("talent.audit")

PURGE_JOB = "audit.purge"
PURGE_AT = time(3, 0)  # local time: a quiet hour
PURGE_SETTING = "talent.audit_purge"

POSTGRES_GUARD = f"""
CREATE OR REPLACE FUNCTION talent_audit_log_append_only() RETURNS trigger AS $$
BEGIN
    -- Rows are never changed; they go only in a purge of those past retention.
    IF TG_OP <> 'UPDATE' AND coalesce(current_setting('{PURGE_SETTING}', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION talent_audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION talent_audit_log_append_only();
"""

SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)'); END;
"""


def is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def install_guard() -> None:
    """Create (or replace) the triggers; run after every migration (``core.db.migrate``)."""
    conn = connections.get("default")
    await conn.execute_script(POSTGRES_GUARD if is_postgres() else SQLITE_GUARD)


async def purge(now: datetime, retention_days: int) -> int:
    """Delete the rows older than ``retention_days`` before ``now``; how many went."""
    cutoff = db_time(now - timedelta(days=retention_days))
    async with in_transaction() as conn:
        if is_postgres():
            await conn.execute_query(f"SET LOCAL {PURGE_SETTING} = 'on'")
        deleted = await AuditLog.filter(created_at__lt=cutoff).using_db(conn).delete()
        # The purge is itself a change worth an entry, written after the cut-off.
        await AuditLog.create(
            actor_id=None,
            action="audit.purged",
            subject_type="audit_log",
            reason=f"删除 {cutoff.date().isoformat()} 之前的审计日志 {deleted} 条",
            using_db=conn,
        )
    logger.info("audit log purged: %s rows before %s", deleted, cutoff.isoformat())
    return int(deleted)


class AuditRetention:
    """Schedules and runs the daily purge on ``services.jobs``."""

    def __init__(self, clock: Clock, jobs: JobQueue, retention_days: int) -> None:
        self.clock = clock
        self.jobs = jobs
        self.retention_days = retention_days

    def register_jobs(self) -> None:
        self.jobs.register(PURGE_JOB, self._run)

    def next_run(self, after: datetime) -> datetime:
        """The next :data:`PURGE_AT` in Guangzhou after ``after``."""
        local = after.astimezone(LOCAL)
        due = datetime.combine(local.date(), PURGE_AT, tzinfo=LOCAL)
        return due if due > local else due + timedelta(days=1)

    async def ensure_scheduled(self) -> Job:
        """Arm the next purge; idempotent (start-up of every server process calls it)."""
        due = self.next_run(self.clock.now())
        return await self.jobs.schedule(
            PURGE_JOB, key=f"{PURGE_JOB}:{due.date().isoformat()}", due_at=due, payload={}
        )

    async def _run(self, job: Job) -> None:
        now = self.clock.now()
        await purge(now, self.retention_days)
        await self.ensure_scheduled()
