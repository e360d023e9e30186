"""core/fixed_sql.py builds model instances without tortoise's ``_init_from_db``.

It must build exactly what ``_init_from_db`` builds, on each database: these tests read
the session and the application detail with their own statements, on SQLite and on
PostgreSQL, and compare every attribute of every instance both ways. A tortoise-orm
release that sets other attributes fails here, not in production.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from tortoise.models import Model

from core import fixed_sql
from core.accounts import _SESSION_READ
from core.dossier import _DETAIL_READ
from core.fixed_sql import fetch, instance, instances
from core.models import Application, FamilyMember, Material, RoleGrant, Session, User
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, made_up_person
from tests.people import applicant
from tests.plugins.plugin_helpers import id_number_for
from tests.test_dossier import add_member, put


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


def rows_of(value: Any) -> list[Mapping[str, Any]]:
    """A children column's rows as the ORM would get them (SQLite: JSON objects)."""
    return json.loads(value) if isinstance(value, str) else list(value)


def same_instance(model: type[Model], row: Mapping[str, Any]) -> Model:
    built = instance(model, row)
    expected = model._init_from_db(**row)
    assert type(built) is model
    assert vars(built) == vars(expected), model.__name__
    assert [type(v) for v in vars(built).values()] == [type(v) for v in vars(expected).values()]
    return built


async def test_instances_are_those_tortoise_builds(app: Any, client: GraphQLClient) -> None:
    user = await applicant(client, made_up_person(1), 1)
    analysis = await user.test(app, numbers={})
    started = await user.start(analysis["id"], "education", "bachelor")
    application_id = started["id"]
    spouse = await add_member(
        user, application_id, "spouse", "王建国", id_number_for(date(1989, 3, 3), sequence=13)
    )
    await put(user, application_id, "marriage_cert", member=spouse["id"])
    await put(user, application_id, "diploma")

    services = app.state.services
    token = user.client.token
    session_rows = await fetch(Session, _SESSION_READ, services.accounts._hash(token))
    session = same_instance(Session, session_rows[0])
    [account] = [same_instance(User, r) for r in rows_of(session_rows[0]["user_rows"])]
    grants = [same_instance(RoleGrant, r) for r in rows_of(session_rows[0]["grant_rows"])]
    assert account.id == session.user_id  # type: ignore[attr-defined]
    assert [g.role.value for g in grants] == ["applicant"]

    detail = await fetch(Application, _DETAIL_READ, int(application_id), account.id)
    application = same_instance(Application, detail[0])
    members = [same_instance(FamilyMember, r) for r in rows_of(detail[0]["member_rows"])]
    materials = [same_instance(Material, r) for r in rows_of(detail[0]["material_rows"])]
    assert str(application.id) == application_id
    assert [m.real_name for m in members] == ["王建国"]
    assert sorted(m.kind for m in materials) == ["diploma", "marriage_cert"]
    # Encrypted columns arrive as read, to be opened on use: the same on both ways.
    assert members[0].id_number == id_number_for(date(1989, 3, 3), sequence=13)


async def test_a_row_without_every_column_goes_the_orms_way(app: Any) -> None:
    """A partial row (an ``.only()``-like read) is built by tortoise, marked partial."""
    rows = await fetch(Application, fixed_sql.Statement(lambda _: "SELECT 1 AS id"))
    [built] = instances(Application, rows)
    assert built._partial is True
    assert built.id == 1
