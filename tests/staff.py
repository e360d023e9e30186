"""Staff accounts for tests, created the way an operator does (``talent admin create``)."""

from __future__ import annotations

from typing import Any

from core.staff import create_staff
from tests.graphql import STRONG_PASSWORD, GraphQLClient, login


async def staff_client(
    app: Any,
    client: GraphQLClient,
    *,
    username: str = "admin",
    role: str = "admin",
    district: str | None = None,
    id_number: str = "440105198303030019",
) -> GraphQLClient:
    await create_staff(
        app.state.services,
        username=username,
        real_name="工作人员",
        id_number=id_number,
        mobile="13800000001",
        password=STRONG_PASSWORD,
        role=role,
        district=district,
    )
    session = await login(client, username)
    assert session["__typename"] == "AuthSession", session
    return client.as_user(session["accessToken"])
