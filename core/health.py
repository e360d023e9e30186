"""Liveness and readiness.

``GET /health`` answers as long as the process serves HTTP (no database: a database
outage must not make an orchestrator restart every worker). ``GET /ready`` answers 200
only when this worker can serve requests: the database answers, every migration
shipped in ``core/migrations`` is applied, a current policy year exists, and (on
PostgreSQL) the worker listens for state changes, without which its websocket
subscribers would hear nothing of the changes other workers make.

No grace period for the listener: the lifespan waits for its first ``LISTEN`` before the
worker serves (core/events_pg.py, up to 10 s), and once serving, a worker that is not
listening misses changes at once. A load balancer's own threshold of failed checks keeps
a sub-second reconnect from taking the worker out.
"""

from __future__ import annotations

import pkgutil
from functools import cache

from tortoise import connections

import core.migrations
from core.events import Broker
from core.models import PolicyYear

# tortoise-orm's built-in migrations record what they applied here.
MIGRATIONS_TABLE = "tortoise_migrations"
APP_LABEL = "core"


@cache
def shipped_migrations() -> frozenset[str]:
    return frozenset(
        module.name
        for module in pkgutil.iter_modules(core.migrations.__path__)
        if not module.name.startswith("_")
    )


async def pending_migrations() -> list[str]:
    """Migrations shipped with this code and not applied to the database, in order."""
    conn = connections.get("default")
    try:
        rows = await conn.execute_query_dict(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = '{APP_LABEL}'"
        )
    except Exception:
        # No table yet: nothing was ever applied.
        return sorted(shipped_migrations())
    applied = {str(row["name"]) for row in rows}
    return sorted(shipped_migrations() - applied)


async def readiness(events: Broker) -> tuple[bool, dict[str, str]]:
    """Whether this worker is ready, and each check's answer."""
    checks: dict[str, str] = {}
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return False, checks
    checks["database"] = "ok"
    pending = await pending_migrations()
    if pending:
        checks["migrations"] = "pending: " + ", ".join(pending) + " (run `talent migrate`)"
        return False, checks
    checks["migrations"] = "ok"
    if not await PolicyYear.filter(is_current=True).exists():
        checks["policyYear"] = "no current policy year"
        return False, checks
    checks["policyYear"] = "ok"
    if missing := events.missing_changes():
        checks["events"] = missing
        return False, checks
    checks["events"] = "ok"
    return True, checks
