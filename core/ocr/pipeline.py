"""From an uploaded photo to offered field values: the synchronous path and its pool.

``recognise`` runs detection once on the photo as taken, decides the orientation from
those boxes, reads every line already upright, then maps and validates the fields.
It is CPU-bound (about a second a photo on 2 cores), so the web process hands it to
:class:`OcrPool` and awaits the result instead of blocking the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Generator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
from PIL import Image

from core.imaging import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, LoadedImage, load_image
from core.ocr.engine import Recogniser, get_recogniser, to_ink
from core.ocr.lines import Quad, TextLine
from core.ocr.mapping import FieldResult, KindMapping, extract_fields
from core.ocr.orientation import Orientation, orientation_from_quads

# Photos are read at most this large (long side). Certificates' smallest print is
# still ~20 px tall at this size, and larger photos only cost decode and warp time.
WORKING_SIDE: Final = 2400


@dataclass(frozen=True, slots=True)
class Reading:
    """Lines of a photo in its upright frame (full resolution), and how it was turned."""

    orientation: Orientation
    width: int
    height: int
    lines: tuple[TextLine, ...]


@dataclass(frozen=True, slots=True)
class OcrResult:
    """What the service offers the user for one photo of one material kind.

    ``rotation`` is the clockwise turn that makes the photo upright: offer it to the
    user and apply it (:func:`core.imaging.rotate`). Every quad refers to that upright
    image, at ``width`` x ``height``.
    """

    kind: str
    rotation: int
    orientation_confidence: float
    width: int
    height: int
    fields: Mapping[str, FieldResult]
    lines: tuple[TextLine, ...]
    seconds: float

    @property
    def offered(self) -> dict[str, str]:
        """Field values to pre-fill, only those read and validated."""
        return {n: f.value for n, f in self.fields.items() if f.offered and f.value is not None}


def _scale_quad(quad: Quad, factor: float) -> Quad:
    a, b, c, d = ((x * factor, y * factor) for x, y in quad)
    return (a, b, c, d)


def read_lines(image: Image.Image, recogniser: Recogniser | None = None) -> Reading:
    """Detect, orient and recognise; lines come back in the upright full-size frame."""
    engine = recogniser or get_recogniser()
    red = image.getchannel("R") if image.mode == "RGB" else image.convert("RGB").getchannel("R")
    scale = min(1.0, WORKING_SIDE / max(image.width, image.height))
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        red = red.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    ink = to_ink(np.asarray(red)[:, :, np.newaxis])
    quads = engine.detect(ink)
    orientation = orientation_from_quads(ink, quads, engine)
    turn = orientation.rotation
    lines = [
        TextLine(line.text, line.confidence, _scale_quad(line.quad, 1 / scale))
        for line in engine.read_quads(ink, quads, turn)
    ]
    full_w, full_h = (image.height, image.width) if turn in (90, 270) else image.size
    return Reading(orientation, full_w, full_h, tuple(lines))


def recognise(
    source: Image.Image | LoadedImage | bytes,
    kind: str,
    mappings: Mapping[str, KindMapping],
    *,
    recogniser: Recogniser | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> OcrResult:
    """Read one photo of material ``kind``. Raises ``KeyError`` for an unmapped kind and
    :class:`core.imaging.ImageRejected` for bytes that are not an acceptable photo."""
    started = time.perf_counter()
    mapping = mappings[kind]
    if isinstance(source, bytes):
        source = load_image(source, max_bytes=max_bytes, max_pixels=max_pixels)
    image = source.image if isinstance(source, LoadedImage) else source
    reading = read_lines(image, recogniser)
    fields = extract_fields(reading.lines, mapping)
    return OcrResult(
        kind=kind,
        rotation=reading.orientation.rotation,
        orientation_confidence=reading.orientation.confidence,
        width=reading.width,
        height=reading.height,
        fields=fields,
        lines=reading.lines,
        seconds=round(time.perf_counter() - started, 4),
    )


# --- Worker pool ------------------------------------------------------------------


class OcrPoolBusy(Exception):
    """The queue is full; the client should retry later (``retry_after_seconds``)."""

    def __init__(self, pending: int, retry_after_seconds: int) -> None:
        super().__init__(f"OCR queue full ({pending} waiting)")
        self.pending = pending
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True, slots=True)
class PoolStats:
    """Queue depth for progress reports: waiting jobs, jobs being read, jobs done."""

    workers: int
    pending: int
    running: int
    completed: int
    failed: int
    # Seconds spent recognising the completed jobs, summed (for the metrics endpoint).
    recognition_seconds: float = 0.0


JobState = Literal["queued", "running", "done", "failed"]


class OcrJob:
    """Handle of a submitted photo: awaitable for the result, inspectable for progress."""

    def __init__(self, job_id: int, future: Future[OcrResult], pool: OcrPool) -> None:
        # wrap_future binds to the running event loop: create jobs from async code.
        self.id = job_id
        self._future = future
        self._pool = pool
        self._awaitable = asyncio.wrap_future(future)

    @property
    def state(self) -> JobState:
        if self._future.done():
            failed = self._future.cancelled() or self._future.exception() is not None
            return "failed" if failed else "done"
        return "running" if self._future.running() else "queued"

    @property
    def position(self) -> int:
        """Jobs queued ahead of this one (0 once it runs)."""
        return self._pool._position(self.id) if self.state == "queued" else 0

    def __await__(self) -> Generator[Any, None, OcrResult]:
        return self._awaitable.__await__()

    def cancel(self) -> bool:
        """Withdraw a job that has not started (the client went away)."""
        return self._future.cancel()


# Where SCHED_IDLE is missing (not Linux): the niceness of the recognition threads.
OCR_NICE: Final = 10


def _lower_priority() -> None:
    """Run this worker thread (and the threads onnxruntime starts from it, which inherit
    it) only on time the requests leave: OCR shares the cores with the web server, and
    a request waiting behind a photo's recognition is what users notice.

    Linux's SCHED_IDLE: a request that becomes ready takes the core at once. Niceness 10
    was not enough: with both cores busy serving, the detail's p99 rose 1.5x to 1.9x
    under recognition, against about 1.1x with SCHED_IDLE (docs/performance.md). Under
    load that never lets up, recognition slows down, and the pool's bounded queue turns
    further photos away (``OcrPoolBusy``) rather than letting waits grow. Elsewhere,
    niceness; when both are refused, recognition keeps the server's priority."""
    if hasattr(os, "SCHED_IDLE"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), OCR_NICE)


def _warm(threads: int) -> None:
    _lower_priority()
    get_recogniser(threads)


def _run(data: bytes | Image.Image, kind: str, mapping: KindMapping, threads: int) -> OcrResult:
    """The job body; module-level so a process pool can pickle it."""
    return recognise(data, kind, {kind: mapping}, recogniser=get_recogniser(threads))


class OcrPool:
    """A bounded pool of OCR workers shared by the web process.

    ``mode="thread"`` (default): workers share one set of models in this process;
    onnxruntime, OpenCV and numpy release the GIL, and on this 2-core machine two
    threads of one intra-op thread each gave the same throughput as two processes
    without a second copy of the models or their start-up time (see bench/ocr.py).
    ``mode="process"`` isolates native crashes at the price of a model load per worker.

    At most ``max_pending`` jobs wait; beyond that :meth:`enqueue` raises
    :class:`OcrPoolBusy` at once rather than letting waits grow without bound.
    """

    def __init__(
        self,
        mappings: Mapping[str, KindMapping],
        *,
        workers: int = 2,
        threads_per_worker: int = 1,
        max_pending: int = 16,
        mode: Literal["thread", "process"] = "thread",
        seconds_per_job: float = 1.0,
    ) -> None:
        self._mappings = mappings
        self.workers = workers
        self.threads = threads_per_worker
        self.max_pending = max_pending
        self._seconds_per_job = seconds_per_job
        self._executor: Executor
        if mode == "process":
            # Spawned, not forked: forking a process that already runs onnxruntime's
            # thread pools can leave the child waiting on a lock nobody will release.
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm,
                initargs=(threads_per_worker,),
            )
        else:
            self._executor = ThreadPoolExecutor(
                max_workers=workers,
                thread_name_prefix="ocr",
                initializer=_warm,
                initargs=(threads_per_worker,),
            )
        self._lock = threading.Lock()
        self._jobs: dict[int, Future[OcrResult]] = {}
        self._ids = itertools.count(1)
        self._completed = 0
        self._failed = 0
        self._recognition_seconds = 0.0

    def _forget(self, job_id: int, future: Future[OcrResult]) -> None:
        # Runs on a worker (or the process pool's manager) thread.
        with self._lock:
            self._jobs.pop(job_id, None)
            if future.cancelled() or future.exception() is not None:
                self._failed += 1
            else:
                self._completed += 1
                self._recognition_seconds += future.result().seconds

    def _position(self, job_id: int) -> int:
        with self._lock:
            jobs = list(self._jobs.items())
        return sum(1 for i, f in jobs if i < job_id and not f.running())

    def stats(self) -> PoolStats:
        with self._lock:
            futures = list(self._jobs.values())
            completed, failed = self._completed, self._failed
            seconds = self._recognition_seconds
        running = sum(1 for f in futures if f.running())
        return PoolStats(
            workers=self.workers,
            pending=len(futures) - running,
            running=running,
            completed=completed,
            failed=failed,
            recognition_seconds=seconds,
        )

    def enqueue(self, data: bytes | Image.Image, kind: str) -> OcrJob:
        """Queue a photo; call from the event loop. Raises ``KeyError`` for an unknown
        kind and :class:`OcrPoolBusy` when the queue is full."""
        mapping = self._mappings[kind]
        pending = self.stats().pending
        if pending >= self.max_pending:
            wait = (pending / self.workers + 1) * self._seconds_per_job
            raise OcrPoolBusy(pending, max(1, round(wait)))
        job_id = next(self._ids)
        future = self._executor.submit(_run, data, kind, mapping, self.threads)
        with self._lock:
            self._jobs[job_id] = future
        future.add_done_callback(functools.partial(self._forget, job_id))
        return OcrJob(job_id, future, self)

    async def submit(self, data: bytes | Image.Image, kind: str) -> OcrResult:
        """Queue a photo and wait for its result."""
        return await self.enqueue(data, kind)

    def close(self, *, wait: bool = True) -> None:
        """Stop accepting work; queued jobs are cancelled, running ones finish."""
        self._executor.shutdown(wait=wait, cancel_futures=True)

    async def __aenter__(self) -> OcrPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)
