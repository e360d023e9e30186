"""Database helpers for tests that run on SQLite and PostgreSQL in one process."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
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


POSTGRES_ADMIN_DSN = os.environ.get(
    "TALENT_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test"
)


def postgres_required() -> bool:
    """CI sets ``TALENT_TEST_REQUIRE_POSTGRES=1``: there a missing server fails, never skips."""
    return os.environ.get("TALENT_TEST_REQUIRE_POSTGRES") == "1"


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN_DSN.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A migrated PostgreSQL database of its own, dropped afterwards; its URL.

    Skipped on a laptop without the server, failed when PostgreSQL is required.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, ImportError) as exc:
        if postgres_required():
            pytest.fail(f"PostgreSQL is required (TALENT_TEST_REQUIRE_POSTGRES=1): {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = f"{POSTGRES_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    try:
        asyncio.run(db.migrate(url))
        yield url
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
