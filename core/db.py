"""Database set-up: one tortoise-orm configuration for SQLite and PostgreSQL.

Schema changes go through tortoise-orm's built-in migrations (``core/migrations``);
``talent migrate`` applies them. Nothing calls ``generate_schemas``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as _migrate

from core import fixed_sql
from core.settings import get_settings

MODELS_MODULE = "core.models"
# Stored datetimes are UTC. tortoise-orm converts what a model saves to this zone but
# not the values of a filter or of a queryset ``update``, and SQLite compares the
# stored text: one zone everywhere keeps "+00:00" text beside "+00:00" text. Local
# (Guangzhou) dates are computed where they matter (core.workdays, core.eligibility).
TIMEZONE = "UTC"


def db_time(moment: datetime) -> datetime:
    """An aware datetime in the stored zone, for filters and queryset updates."""
    return moment.astimezone(UTC)


async def _release_as_is(connection: Any) -> None:
    """Return a pooled PostgreSQL connection without asyncpg's reset statement.

    asyncpg's default sends ``UNLISTEN *; RESET ALL; CLOSE ALL; pg_advisory_unlock_all()``
    on every release: a round trip per statement, since tortoise-orm acquires a connection
    per statement outside transactions (a request reading three things paid three). Our
    pooled connections keep no session state to undo: settings are ``SET LOCAL`` inside a
    transaction (core/audit_retention.py), LISTEN has its own connection
    (core/events_pg.py), there are no cursors or advisory locks; and asyncpg still rolls
    back a transaction left open before calling this.
    """


def _connection(url: str) -> str | dict[str, Any]:
    if not url.startswith(("postgres://", "asyncpg://")):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = _release_as_is
    return config


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    url = database_url or get_settings().database_url
    if url.startswith("sqlite://") and url not in ("sqlite://:memory:",):
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": _connection(url)},
        "apps": {
            "core": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": "core.migrations",
            }
        },
        "use_tz": True,
        "timezone": TIMEZONE,
    }


def __getattr__(name: str) -> Any:
    # ``tortoise`` CLI reads ``core.db.TORTOISE_ORM`` (see [tool.tortoise] in pyproject);
    # computed lazily so importing this module does not read settings.
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)


async def migrate(database_url: str | None = None) -> None:
    """Apply every pending migration, then close the connections it opened."""
    # The audit log's append-only triggers are not a model's: (re)created after every run.
    from core.audit_retention import install_guard

    try:
        await _migrate(config=tortoise_config(database_url))
        await install_guard()
    finally:
        await close()


async def init(database_url: str | None = None) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    # Which columns the driver converts itself depends on the database just opened.
    fixed_sql.forget_builders()


async def close() -> None:
    await Tortoise.close_connections()
