"""Fixtures: the app over HTTP inside its lifespan, on SQLite and on PostgreSQL.

Every test that takes ``client`` runs once per database backend. PostgreSQL is
127.0.0.1:5432 (user postgres, trust); a throw-away database is created per run.
When it is unreachable the PostgreSQL runs are skipped on a laptop, and fail when
``TALENT_TEST_REQUIRE_POSTGRES=1`` (CI sets it), so CI cannot skip silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core import db
from core.app import create_app
from core.clock import ManualClock
from core.face import SimulatedFaceProvider
from core.settings import Settings
from tests.database import empty_tables, throwaway_postgres
from tests.graphql import GraphQLClient

SECRET = "test-secret-key"
FACE_SECRET = "test-face-secret"


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database for the whole session, per backend."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path_factory.mktemp('db') / 'talent.sqlite3'}"
        asyncio.run(db.migrate(url))
        yield url
        return
    with throwaway_postgres("talent_test") as url:
        yield url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def face_provider() -> SimulatedFaceProvider:
    return SimulatedFaceProvider(FACE_SECRET)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        storage_dir=tmp_path / "files",
        secret_key=SECRET,
        face_verification_secret=FACE_SECRET,
        load_entrypoint_plugins=False,
        # Tests run due jobs explicitly (services.jobs.run_due), never in the background.
        jobs_poll_seconds=0,
        # ... and count the ones they expect: the audit log's daily purge only where
        # tested (tests/test_audit.py).
        audit_purge_enabled=False,
    )


@pytest.fixture
def app_options() -> dict[str, Any]:
    """Extra keyword arguments for ``create_app`` (a test may override this fixture)."""
    return {}


@pytest.fixture
async def app(
    settings: Settings,
    clock: ManualClock,
    face_provider: SimulatedFaceProvider,
    app_options: dict[str, Any],
) -> AsyncIterator[Any]:
    await empty_tables(settings.database_url)
    application = create_app(settings, clock=clock, face_provider=face_provider, **app_options)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)
