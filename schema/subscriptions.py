"""GraphQL subscriptions over websockets (graphql-transport-ws, and legacy graphql-ws).

A browser cannot set headers on a websocket, so the bearer token travels in the
``connection_init`` payload: ``{"authorization": "Bearer <access token>"}``. The
connection is refused (close code 4403) without a valid token; every subscription on it
then acts as that user.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError

from core.errors import DomainError, ErrorCode
from core.states import LABELS, State
from schema.context import Context, Info


async def authenticate_connection(context: Context) -> None:
    """On ``connection_init``: sign the connection in with the payload's bearer token."""
    params = context.connection_params or {}
    value = params.get("authorization") or params.get("Authorization") or ""
    scheme, _, token = str(value).partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            context.auth = await context.services.accounts.authenticate(token.strip())
            context.auth_error = None
        except DomainError as error:
            context.auth, context.auth_error = None, error
    if context.auth is None:
        raise ConnectionRejectionError({"code": ErrorCode.UNAUTHENTICATED.value})


@strawberry.type(description="One of your applications entered a new state.")
class ApplicationChange:
    application_id: strawberry.ID
    state: str
    state_label: str = strawberry.field(description="The state in words, as the applicant sees it.")
    at: datetime


def _label(state: str) -> str:
    try:
        return LABELS[State(state)]
    except (ValueError, KeyError):
        return state


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Your applications' state changes, as they happen (sign in through "
        "the connection_init payload)."
    )
    async def application_changes(self, info: Info) -> AsyncGenerator[ApplicationChange, None]:
        auth = info.context.auth
        if auth is None:
            # Not masked: a GraphQLError says what is wrong and carries the code.
            raise GraphQLError("请先登录", extensions={"code": ErrorCode.UNAUTHENTICATED.value})
        # Events are keyed by applicant: only the signed-in user's own applications.
        async for event in info.context.services.events.subscribe(auth.actor.user_id):
            yield ApplicationChange(
                application_id=strawberry.ID(str(event.application_id)),
                state=event.state,
                state_label=_label(event.state),
                at=event.at,
            )
