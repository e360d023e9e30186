"""Per-request context: who asks, the services, and the policy year's view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from core.accounts import Authenticated
from core.actors import Actor
from core.audit import RequestInfo
from core.errors import DomainError, ErrorCode
from core.policy import EffectiveCategory, PolicyView
from core.ratelimit import client_address
from core.services import Services
from schema.loaders import Loaders


@dataclass
class Context:
    request: Request
    services: Services
    request_info: RequestInfo
    auth: Authenticated | None = None
    # Why a presented token was refused (expired, revoked): answered instead of
    # a plain UNAUTHENTICATED so the client knows to refresh or sign in again.
    auth_error: DomainError | None = None
    loaders: Loaders = field(default_factory=Loaders)
    # A websocket's connection_init payload (strawberry sets it): where a subscription's
    # bearer token comes from (schema/subscriptions.py).
    connection_params: dict[str, Any] | None = None
    _policy: PolicyView | None = field(default=None, repr=False)

    @property
    def actor(self) -> Actor | None:
        return self.auth.actor if self.auth else None

    def require_auth(self) -> Authenticated:
        if self.auth is None:
            raise self.auth_error or DomainError(ErrorCode.UNAUTHENTICATED, "请先登录")
        return self.auth

    def require_actor(self) -> Actor:
        return self.require_auth().actor

    async def policy(self) -> PolicyView:
        """The current policy year's view, read once per request."""
        if self._policy is None:
            self._policy = await self.services.policy.current_view()
        return self._policy

    async def require_category(self, category_id: str) -> EffectiveCategory:
        """For plugin fields: CATEGORY_DISABLED when the category is off this year."""
        return (await self.policy()).category(category_id)


Info = StrawberryInfo[Context, None]


async def build_context(request: Request, services: Services) -> Context:
    client = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        services.settings.trusted_proxies,
    )
    ctx = Context(
        request=request,
        services=services,
        request_info=RequestInfo(
            request_id=getattr(request.state, "request_id", None), client_address=client
        ),
    )
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            ctx.auth = await services.accounts.authenticate(token.strip())
        except DomainError as error:
            ctx.auth_error = error
    return ctx
