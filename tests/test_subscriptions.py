"""The ``applicationChanges`` subscription over websockets (graphql-transport-ws).

A signed-in applicant hears of their own application's state changes and never of
another applicant's; a connection without a valid token is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from core.events import ApplicationChanged
from core.settings import Settings
from tests.graphql import GraphQLClient, signed_in
from tests.lifecycle_flow import lifecycle_settings, submitted

SUBSCRIBE = "subscription { applicationChanges { applicationId state stateLabel at } }"
WITHDRAW = """mutation($a: ID!) { withdrawApplication(applicationId: $a) {
  __typename ... on Application { id state } ... on OperationError { code message } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


@asynccontextmanager
async def websocket(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=ASGIWebSocketTransport(app), base_url="http://testserver"
    ) as http:
        yield http


async def subscribe(
    http: httpx.AsyncClient, token: str | None, stack: Any
) -> AsyncWebSocketSession:
    """Open /graphql, sign in through connection_init, start the subscription."""
    ws: AsyncWebSocketSession = await stack.enter_async_context(
        aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"])
    )
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await ws.send_json({"type": "connection_init", "payload": payload})
    ack = await ws.receive_json(timeout=5)
    assert ack["type"] == "connection_ack", ack
    await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
    return ws


async def next_change(ws: AsyncWebSocketSession) -> dict[str, Any]:
    message = await ws.receive_json(timeout=5)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    change: dict[str, Any] = message["payload"]["data"]["applicationChanges"]
    return change


async def hears_withdrawal(ws: AsyncWebSocketSession, application_id: str) -> None:
    """The next change on ``ws`` is that application's withdrawal, in the applicant's words."""
    change = await next_change(ws)
    assert change["applicationId"] == application_id
    assert change["state"] == "withdrawn"
    assert change["stateLabel"] == "已撤回"
    datetime.fromisoformat(change["at"])


async def nothing_arrives(ws: AsyncWebSocketSession, seconds: float = 0.5) -> None:
    with pytest.raises(TimeoutError):
        await ws.receive_json(timeout=seconds)


async def subscribed(app: Any, user_id: int, count: int = 1) -> None:
    """Wait until the subscription reached the broker (the subscribe message is async)."""
    for _ in range(200):
        if app.state.services.events.subscriber_count(user_id) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never reached the broker")


async def user_id_of(client: GraphQLClient) -> int:
    me = await client.execute("{ me { ... on Account { id } } }")
    return int(me["me"]["id"])


async def test_applicant_hears_own_change_not_anothers(app: Any, client: GraphQLClient) -> None:
    first = await submitted(app, client, 1)
    second = await submitted(app, client, 2)
    first_id = await user_id_of(first.client)
    second_id = await user_id_of(second.client)

    async with websocket(app) as http, contextlib.AsyncExitStack() as stack:
        ws_first = await subscribe(http, first.client.token, stack)
        ws_second = await subscribe(http, second.client.token, stack)
        await subscribed(app, first_id)
        await subscribed(app, second_id)

        withdrawn = await first.client.execute(WITHDRAW, {"a": first.id})
        assert withdrawn["withdrawApplication"]["state"] == "withdrawn", withdrawn

        await hears_withdrawal(ws_first, first.id)
        await nothing_arrives(ws_second)

        withdrawn = await second.client.execute(WITHDRAW, {"a": second.id})
        assert withdrawn["withdrawApplication"]["state"] == "withdrawn", withdrawn
        change = await next_change(ws_second)
        assert change["applicationId"] == second.id
        await nothing_arrives(ws_first)

    # Closing the websockets ended the subscriptions.
    for _ in range(200):
        if app.state.services.events.subscriber_count(first_id) == 0:
            break
        await asyncio.sleep(0.01)
    assert app.state.services.events.subscriber_count(first_id) == 0


async def test_broker_delivers_by_applicant(app: Any, client: GraphQLClient) -> None:
    one = await signed_in(
        client,
        username="applicant1",
        real_name="甲",
        id_number="440106199403150318",
        mobile="13900000001",
    )
    two = await signed_in(
        client,
        username="applicant2",
        real_name="乙",
        id_number="350102199006010226",
        mobile="13900000002",
    )
    one_id, two_id = await user_id_of(one), await user_id_of(two)
    events = app.state.services.events
    at = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)

    async with websocket(app) as http, contextlib.AsyncExitStack() as stack:
        ws_one = await subscribe(http, one.token, stack)
        ws_one_again = await subscribe(http, one.token, stack)  # a second tab
        await subscribed(app, one_id, 2)
        await events.publish(ApplicationChanged(41, two_id, "under_review", at))
        await events.publish(ApplicationChanged(40, one_id, "publicity", at))
        for ws in (ws_one, ws_one_again):
            change = await next_change(ws)
            assert change == {
                "applicationId": "40",
                "state": "publicity",
                "stateLabel": "公示中",
                "at": at.isoformat(),
            }
            await nothing_arrives(ws, 0.2)


async def test_connection_without_valid_token_is_refused(app: Any) -> None:
    async with websocket(app) as http:
        for payload in ({}, {"authorization": "Bearer not-a-token"}):
            async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
                await ws.send_json({"type": "connection_init", "payload": payload})
                with pytest.raises(WebSocketDisconnect) as closed:
                    await ws.receive_json(timeout=5)
                assert closed.value.code == 4403, payload


async def test_a_subscription_is_held_to_the_query_limits(app: Any, client: GraphQLClient) -> None:
    """Subscriptions run through strawberry's own pipeline (schema/operation.py): the
    query limits hold there too."""
    user = await signed_in(client)
    flood = " ".join(
        f"a{i}: state" for i in range(app.state.services.settings.query_max_aliases + 1)
    )
    async with websocket(app) as http, contextlib.AsyncExitStack() as stack:
        ws: AsyncWebSocketSession = await stack.enter_async_context(
            aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"])
        )
        await ws.send_json(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {user.token}"}}
        )
        assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
        query = f"subscription {{ applicationChanges {{ {flood} }} }}"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = await ws.receive_json(timeout=5)
    assert message["type"] == "error", message
    assert [e["extensions"]["code"] for e in message["payload"]] == ["TOO_MANY_ALIASES"]
