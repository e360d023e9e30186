"""Database helpers for tests that run on SQLite and PostgreSQL in one process."""

from __future__ import annotations

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from core import db


async def forget_backend() -> None:
    """Let the next init compile SQL for its own dialect.

    One process runs the suite on SQLite and on PostgreSQL; tortoise-orm caches the
    models' binding and their INSERT statements keyed by connection name only.
    """
    await Tortoise._reset_apps()
    EXECUTOR_CACHE.clear()


async def empty_tables(url: str) -> None:
    await forget_backend()
    await db.init(url)
    try:
        conn = connections.get("default")
        tables = [m._meta.db_table for m in Tortoise.apps["core"].values()]
        if url.startswith("sqlite"):
            # Rows referring to each other (a card RESTRICTs its application's deletion)
            # go in any order: the whole database is emptied.
            await conn.execute_script("PRAGMA foreign_keys = OFF")
            for table in tables:
                await conn.execute_script(f'DELETE FROM "{table}"')
        else:
            joined = ", ".join(f'"{t}"' for t in tables)
            # One implicit transaction: the audit log's append-only trigger
            # (core/audit_retention.py) lets this TRUNCATE through, as it does a purge.
            await conn.execute_script(
                "BEGIN; SET LOCAL talent.audit_purge = 'on';"
                f" TRUNCATE {joined} RESTART IDENTITY CASCADE; COMMIT"
            )
    finally:
        await db.close()
        await forget_backend()
