"""The real PP-OCR models on photos of different kinds, checked against ground truth.

One photo per orientation the pipeline must undo (0/90/180/270 degrees), and each a
different layout: running text, repeated labels, a ruled table, a two-column card.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ocr.engine import Recogniser
from core.ocr.mapping import KindMapping
from core.ocr.pipeline import OcrPool, OcrPoolBusy, recognise

from .conftest import ground_truth


@pytest.mark.parametrize(
    "sample", ["diploma_00", "marriage_cert_01", "property_cert_03", "id_card_front_00"]
)
def test_fields_match_ground_truth(
    sample: str,
    fixtures_dir: Path,
    mappings: dict[str, KindMapping],
    recogniser: Recogniser,
) -> None:
    truth = ground_truth(fixtures_dir, sample)
    data = (fixtures_dir / truth["image"]).read_bytes()
    result = recognise(data, truth["kind"], mappings, recogniser=recogniser)

    assert result.rotation == truth["rotation"]
    expected = {name: field["value"] for name, field in truth["fields"].items()}
    assert result.offered == expected
    # Quads refer to the upright photo: a quarter turn swaps width and height.
    turned = truth["rotation"] in (90, 270)
    size = (truth["height"], truth["width"]) if turned else (truth["width"], truth["height"])
    assert (result.width, result.height) == size
    for field in result.fields.values():
        assert field.quad is not None
        assert all(0 <= x <= result.width and 0 <= y <= result.height for x, y in field.quad)


async def test_pool_runs_jobs_and_reports_progress(
    fixtures_dir: Path, mappings: dict[str, KindMapping], recogniser: Recogniser
) -> None:
    truth = ground_truth(fixtures_dir, "title_cert_00")
    data = (fixtures_dir / truth["image"]).read_bytes()
    # Same thread count as the session's recogniser, so the pool reuses its models.
    async with OcrPool(mappings, workers=1, threads_per_worker=recogniser.threads) as pool:
        job = pool.enqueue(data, "title_cert")
        assert job.state in ("queued", "running")
        stats = pool.stats()
        assert (stats.workers, stats.pending + stats.running) == (1, 1)
        result = await job
        assert job.state == "done" and job.position == 0
        assert result.fields["cert_no"].value == truth["fields"]["cert_no"]["value"]
        assert pool.stats().completed == 1
        with pytest.raises(KeyError):
            pool.enqueue(data, "passport")

    async with OcrPool(mappings, workers=1, max_pending=0) as full:
        with pytest.raises(OcrPoolBusy) as caught:
            full.enqueue(data, "title_cert")
        assert caught.value.retry_after_seconds >= 1
