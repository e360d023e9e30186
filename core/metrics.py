"""Prometheus metrics: request latency, errors by code, the OCR queue, the timers.

``GET /metrics`` answers in the Prometheus text format. With several worker processes
set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (``talent serve`` clears it at
start): every worker then writes its values there and whichever worker answers the
scrape adds them up (``prometheus_client``'s multiprocess mode). The timer jobs are
counted from the database at scrape time, so they need no such sharing.

Label values are bounded: routes are the app's route templates, error codes the
``ErrorCode`` values, and operation names are kept for the first
:data:`MAX_OPERATION_NAMES` seen (a client chooses them), ``other`` after that.
"""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from core.services import Services
    from core.uploads import MaterialService

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")

HTTP_SECONDS = Histogram(
    "talent_http_request_duration_seconds",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
)
OPERATION_SECONDS = Histogram(
    "talent_graphql_operation_duration_seconds",
    "GraphQL operations (parse, validation, execution) by operation name and type",
    ["operation", "type"],
)
ERRORS = Counter(
    "talent_errors_total",
    "Errors answered, by code and by where: graphql (errors[]), operation "
    "(OperationError results) or http (refused before GraphQL)",
    ["code", "source"],
)
OCR_JOBS = Gauge(
    "talent_ocr_jobs",
    "Photos in the OCR pool: queued (waiting) or running",
    ["state"],
    multiprocess_mode="livesum",
)
OCR_RECOGNITIONS = Counter(
    "talent_ocr_recognitions_total", "Photos the OCR pool finished, by outcome", ["outcome"]
)
OCR_SECONDS = Counter(
    "talent_ocr_recognition_seconds_total",
    "Seconds spent recognising photos (divide by completed recognitions for the mean)",
)

# The PostgreSQL state-change listener (core/events_pg.py), set by the listener itself as
# it connects and loses its connection. Absent on SQLite, whose broker is in-process.
EVENTS_LISTENER_CONNECTED = Gauge(
    "talent_events_listener_connected",
    "1 while this process LISTENs for state changes on PostgreSQL (its subscribers hear "
    "every change), 0 while it reconnects; across workers the lowest",
    ["channel"],
    multiprocess_mode="livemin",
)
EVENTS_LISTENER_RECONNECTS = Counter(
    "talent_events_listener_reconnects_total",
    "Times a state-change listener listened again after losing its connection",
    ["channel"],
)

_names_lock = threading.Lock()
_operation_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.match(name):
        return "other"
    with _names_lock:
        if name in _operation_names:
            return name
        if len(_operation_names) < MAX_OPERATION_NAMES:
            _operation_names.add(name)
            return name
    return "other"


def count_error(code: str, source: str) -> None:
    ERRORS.labels(code=code, source=source).inc()


def events_listener_connected(channel: str, connected: bool) -> None:
    EVENTS_LISTENER_CONNECTED.labels(channel=channel).set(1 if connected else 0)


def count_events_reconnect(channel: str) -> None:
    EVENTS_LISTENER_RECONNECTS.labels(channel=channel).inc()


class OcrSampler:
    """Copies the OCR pool's live numbers into the metrics.

    Called after every request and at every scrape, so each worker process keeps its
    own queue's numbers current (in multiprocess mode the gauges are summed over the
    live workers). The pool counts completions since it started; the counters get the
    difference since the last look. The gauges are written only when their numbers
    changed: most requests find the queue as the last one left it, and a write to a
    multiprocess gauge is a write to its memory-mapped file.
    """

    def __init__(self, materials: MaterialService) -> None:
        self.materials = materials
        self._lock = threading.Lock()
        self._pool: object | None = None
        self._seen = (0, 0, 0.0)
        self._depth: tuple[int, int] | None = None

    def sync(self) -> None:
        pool = self.materials.pool
        stats = pool.stats() if pool is not None else None
        depth = (stats.pending, stats.running) if stats is not None else (0, 0)
        with self._lock:
            changed, self._depth = depth != self._depth, depth
            if stats is None:
                completed = failed = 0
                seconds = 0.0
            else:
                if pool is not self._pool:
                    self._pool, self._seen = pool, (0, 0, 0.0)
                completed, failed, seconds = self._seen
                self._seen = (stats.completed, stats.failed, stats.recognition_seconds)
        if changed:
            OCR_JOBS.labels(state="queued").set(depth[0])
            OCR_JOBS.labels(state="running").set(depth[1])
        if stats is None:
            return
        if stats.completed > completed:
            OCR_RECOGNITIONS.labels(outcome="completed").inc(stats.completed - completed)
        if stats.failed > failed:
            OCR_RECOGNITIONS.labels(outcome="failed").inc(stats.failed - failed)
        if stats.recognition_seconds > seconds:
            OCR_SECONDS.inc(stats.recognition_seconds - seconds)


class MetricsMiddleware:
    """Times every HTTP request by its route template and status."""

    def __init__(self, app: ASGIApp, sampler: OcrSampler | None = None) -> None:
        self.app = app
        self.sampler = sampler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            HTTP_SECONDS.labels(
                method=scope["method"] if scope["method"] in ("GET", "POST") else "other",
                route=getattr(route, "path", "unmatched"),
                status=str(status),
            ).observe(time.perf_counter() - started)
            if self.sampler is not None:
                self.sampler.sync()


async def _job_families(services: Services) -> list[Any]:
    """Timer jobs by kind and status, and how many are overdue, from the database."""
    from tortoise.functions import Count

    from core.db import db_time
    from core.models.jobs import Job, JobStatus

    by_status = GaugeMetricFamily(
        "talent_jobs", "Timer jobs (定时任务) by kind and status", labels=["kind", "status"]
    )
    rows = (
        await Job.annotate(n=Count("id")).group_by("kind", "status").values("kind", "status", "n")
    )
    for row in rows:
        by_status.add_metric([str(row["kind"]), str(row["status"])], float(row["n"]))
    # Pending past their due time by more than two polling rounds: the runner is stuck.
    grace = timedelta(seconds=max(60.0, 2 * services.settings.jobs_poll_seconds))
    cutoff = db_time(services.clock.now() - grace)
    overdue = await Job.filter(status=JobStatus.PENDING, due_at__lt=cutoff).count()
    late = GaugeMetricFamily("talent_jobs_overdue", "Pending timer jobs overdue by two rounds")
    late.add_metric([], float(overdue))
    return [by_status, late]


class _Families:
    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families


def exposition(extra: list[Any]) -> bytes:
    """The text format of this process's (or every worker's) metrics and ``extra``."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if extra:
        scraped = CollectorRegistry(auto_describe=False)
        scraped.register(_Families(extra))
        body += generate_latest(scraped)
    return body


async def render(services: Services, sampler: OcrSampler | None) -> tuple[bytes, str]:
    if sampler is not None:
        sampler.sync()
    try:
        extra = await _job_families(services)
    except Exception:  # database unreachable or not migrated: /ready says so
        extra = []
    return exposition(extra), CONTENT_TYPE_LATEST


def process_stopped() -> None:
    """In multiprocess mode, drop this worker's live gauges (the OCR queue)."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())
