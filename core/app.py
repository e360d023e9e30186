"""The ASGI application: GraphQL, the face-verification callback, health and metrics.

The schema and services are built when the app is created (the schema's shape is fixed
at start-up); the database is opened in the lifespan.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pluggy
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.exceptions import IntegrityError

from core import collector, db, health, metrics
from core.clock import Clock
from core.errors import DomainError, ErrorCode
from core.events import Broker
from core.face import FaceProvider, SimulatedFaceProvider
from core.http import GraphQLView
from core.limits import BodyLimitMiddleware
from core.logs import RequestIdMiddleware, configure_logging
from core.models import PolicyYear
from core.plugins import build_plugin_manager, collect
from core.services import Services, build_services
from core.settings import Settings, get_settings
from core.shared_data import SharedDataSource
from core.sms import SmsGateway
from schema import build_schema
from schema.cards import download_route

logger = logging.getLogger("talent.app")

_CALLBACK_STATUS = {
    ErrorCode.INVALID_SIGNATURE: 401,
    ErrorCode.VERIFICATION_NOT_FOUND: 404,
    ErrorCode.VERIFICATION_EXPIRED: 410,
    ErrorCode.VERIFICATION_ALREADY_USED: 409,
}


class WorkerHeaderMiddleware:
    """``X-Worker``: an opaque id of the process that answered (not its pid or host).

    With several workers or hosts behind a load balancer it tells an operator, and the
    multi-worker test, which process served a response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.worker = uuid.uuid4().hex[:12].encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def named_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-worker", self.worker)]
            await send(message)

        await self.app(scope, receive, named_send)


def create_plugin_manager(settings: Settings) -> pluggy.PluginManager:
    return build_plugin_manager(settings.plugins, load_entrypoints=settings.load_entrypoint_plugins)


def create_app(
    settings: Settings | None = None,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    clock: Clock | None = None,
    face_provider: FaceProvider | None = None,
    sms_gateway: SmsGateway | None = None,
    shared_data: SharedDataSource | None = None,
    events: Broker | None = None,
    settle_gc: bool = False,
) -> Starlette:
    settings = settings or get_settings()
    registry = collect(plugin_manager or create_plugin_manager(settings))
    services = build_services(
        settings,
        registry,
        clock=clock,
        face_provider=face_provider,
        sms_gateway=sms_gateway,
        shared_data=shared_data,
        events=events,
    )
    schema = build_schema(registry, settings)
    graphql = GraphQLView(
        services,
        schema=schema,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        # Queries by GET as the GraphQL-over-HTTP specification has it; mutations 405.
        allow_queries_via_get=True,
        # Only with a preflight header a cross-site form cannot send (core/http.py).
        multipart_uploads_enabled=True,
    )
    ocr_sampler = metrics.OcrSampler(services.materials)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.init(settings.database_url)
        try:
            if pending := await health.pending_migrations():
                # Serve anyway, not ready: /ready answers 503 until `talent migrate` ran
                # and this worker restarted (start-up below needs the tables).
                logger.error("Database migrations not applied: %s", ", ".join(pending))
                yield
                return
            await ensure_current_policy_year(services)
            if settings.audit_purge_enabled:
                await services.audit_retention.ensure_scheduled()
            await services.materials.start()
            # State changes from every worker reach this worker's subscribers.
            await services.events.start()
            # Durable timers: this process runs due jobs every jobs_poll_seconds.
            services.jobs.start(settings.jobs_poll_seconds)
            if settle_gc:
                collector.settle_after_startup()
            try:
                yield
            finally:
                await services.jobs.stop()
                await services.events.stop()
                await services.materials.stop()
        finally:
            metrics.process_stopped()
            await services.rate_limits.close()
            await db.close()

    async def face_callback(request: Request) -> Response:
        """The provider's signed confirmation of a face verification."""
        body = await request.body()
        try:
            row = await services.faces.confirm(body, request.headers)
        except DomainError as error:
            return JSONResponse(
                {"ok": False, "code": error.code.value, "message": error.message},
                status_code=_CALLBACK_STATUS.get(error.code, 400),
            )
        return JSONResponse({"ok": True, "status": row.status})

    async def simulated_scan(request: Request) -> Response:
        """Development only: act as the phone that scans the QR code and passes.

        The simulated provider signs a confirmation and posts it through the same
        verification path the real provider's callbacks take.
        """
        provider = services.face_provider
        if settings.profile != "development" or not isinstance(provider, SimulatedFaceProvider):
            return JSONResponse({"ok": False, "code": "NOT_FOUND"}, status_code=404)
        try:
            payload = await request.json()
            id_number, name = str(payload["idNumber"]), str(payload["name"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"ok": False, "code": "INVALID_INPUT"}, status_code=400)
        body, headers = provider.confirmation(
            request.path_params["verification_id"],
            id_number=id_number,
            name=name,
            nonce=request.path_params["verification_id"],
            verified_at=services.clock.now(),
            passed=bool(payload.get("passed", True)),
        )
        try:
            row = await services.faces.confirm(body, headers)
        except DomainError as error:
            return JSONResponse(
                {"ok": False, "code": error.code.value, "message": error.message},
                status_code=_CALLBACK_STATUS.get(error.code, 400),
            )
        return JSONResponse({"ok": True, "status": row.status})

    async def alive(request: Request) -> Response:
        """Liveness: the process answers; no database."""
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> Response:
        """Readiness: database reachable, migrations applied, a current policy year, and
        (PostgreSQL) this worker listening for other workers' state changes."""
        ok, checks = await health.readiness(services.events)
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        body, media_type = await metrics.render(services, ocr_sampler)
        return Response(body, media_type=media_type)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            # Subscriptions (graphql-transport-ws): schema/subscriptions.py.
            WebSocketRoute("/graphql", graphql),
            download_route(services),
            Route("/callbacks/face-verification", face_callback, methods=["POST"]),
            Route(
                "/dev/face-verification/{verification_id}/scan", simulated_scan, methods=["POST"]
            ),
            Route("/health", alive),
            Route("/ready", ready),
            *([Route("/metrics", metrics_endpoint)] if settings.metrics_enabled else []),
        ],
        middleware=[
            Middleware(WorkerHeaderMiddleware),
            Middleware(RequestIdMiddleware),
            Middleware(metrics.MetricsMiddleware, sampler=ocr_sampler),
            Middleware(BodyLimitMiddleware, settings=settings),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.schema = schema
    return app


async def ensure_current_policy_year(services: Services) -> None:
    """A fresh database gets the calendar year as its current policy year."""
    if await PolicyYear.filter(is_current=True).exists():
        return
    year = services.clock.now().year
    try:
        row, _ = await PolicyYear.get_or_create(year=year, defaults={"title": f"{year} 年度"})
    except IntegrityError:
        # Another worker created it at the same moment.
        row = await PolicyYear.get(year=year)
    await PolicyYear.filter(id=row.id).update(is_current=True)
    logger.info("No current policy year: made %s current", year)


def serve_app() -> Starlette:
    """The app as ``talent serve`` runs it in each worker process: logging set up first
    (worker processes are spawned, they do not inherit the parent's handlers), and the
    garbage collector settled once start-up is done (core/collector.py; not in tests,
    which start many apps in one process)."""
    settings = get_settings()
    configure_logging(settings.log_format)
    return create_app(settings, settle_gc=True)
