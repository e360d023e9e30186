"""Recognition runs below the web server's priority (core/ocr/pipeline.py).

The pool's threads share the cores with requests; on Linux they are scheduled only on
time the requests leave (SCHED_IDLE), elsewhere at a higher niceness
(docs/performance.md, "OCR in the background").
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from core.ocr.engine import Recogniser
from core.ocr.mapping import KindMapping
from core.ocr.pipeline import OCR_NICE, OcrPool

from .conftest import ground_truth


async def test_recognition_threads_yield_to_requests(
    fixtures_dir: Path, mappings: dict[str, KindMapping], recogniser: Recogniser
) -> None:
    server = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    truth = ground_truth(fixtures_dir, "title_cert_00")
    data = (fixtures_dir / truth["image"]).read_bytes()
    async with OcrPool(mappings, workers=1, threads_per_worker=recogniser.threads) as pool:
        await pool.enqueue(data, "title_cert")
        workers = [t for t in threading.enumerate() if t.name.startswith("ocr")]
        assert len(workers) == 1
        assert workers[0].native_id is not None
        if hasattr(os, "SCHED_IDLE"):
            assert os.sched_getscheduler(workers[0].native_id) == os.SCHED_IDLE
        else:
            assert os.getpriority(os.PRIO_PROCESS, workers[0].native_id) == max(OCR_NICE, server)
    # The thread that serves requests keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == server
    if hasattr(os, "SCHED_OTHER"):
        assert os.sched_getscheduler(0) == os.SCHED_OTHER
