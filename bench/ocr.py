"""Benchmark of the OCR path against the photos' ground truth, beside plain RapidOCR.

Usage: ``.venv/bin/python bench/ocr.py [FOLDER] [--pool-modes thread,process]``

FOLDER defaults to ``../shared/fixtures/ocr`` from the repository root. Every image
with a ground-truth JSON (``fields`` with a normalised ``value``) is read by our path
(orientation, upright reading, field mapping, normalisation) and, in the same run and
alternating with it so machine load affects both alike, by the raw recogniser (stock
``RapidOCR()`` on the file, no orientation handling). Printed: field exact-match
accuracy per kind and overall, time per image for both, the share of field values the
raw text contains, and throughput through the worker pool. The last line is always
``overall field accuracy: P% (N/M fields)``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    # Run as a script from a checkout: make ``core`` and ``plugins`` importable.
    sys.path.insert(0, str(REPO))

from core.app import create_plugin_manager  # noqa: E402
from core.ocr.engine import get_recogniser  # noqa: E402
from core.ocr.mapping import KindMapping  # noqa: E402
from core.ocr.pipeline import OcrPool, recognise  # noqa: E402
from core.plugins import collect  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.uploads import collect_ocr_mappings  # noqa: E402

DEFAULT_FOLDER = REPO.parent / "shared" / "fixtures" / "ocr"


@dataclass(frozen=True, slots=True)
class Sample:
    id: str
    kind: str
    image: Path
    rotation: int
    fields: dict[str, dict[str, Any]]


@dataclass(slots=True)
class Outcome:
    sample: Sample
    ours_seconds: float
    raw_seconds: float
    rotation: int
    got: dict[str, str | None]
    raw_text: str


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def load_samples(folder: Path) -> tuple[list[Sample], list[str]]:
    """Every image with ground truth beside it, and what was left out and why.

    Nothing is skipped silently: a ground-truth file whose image is missing, or an
    image without ground truth, is listed so a short count is never mistaken for
    the whole set.
    """
    samples = []
    left_out = []
    used: set[Path] = set()
    for path in sorted(folder.glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(truth, dict) or "fields" not in truth or "kind" not in truth:
            continue  # manifest.json and other non-ground-truth files
        image = folder / truth.get("image", f"{path.stem}.jpg")
        if not image.exists():
            left_out.append(f"{path.name}: its image {image.name} is missing")
            continue
        used.add(image)
        samples.append(
            Sample(
                id=truth.get("id", path.stem),
                kind=truth["kind"],
                image=image,
                rotation=int(truth.get("rotation", 0)),
                fields=truth["fields"],
            )
        )
    for image in sorted(folder.iterdir()):
        if image.suffix.lower() in IMAGE_SUFFIXES and image not in used:
            left_out.append(f"{image.name}: no ground truth beside it")
    return samples, left_out


def squeeze(text: str) -> str:
    return "".join(text.split())


def contained(field: Mapping[str, Any], raw_text: str) -> bool:
    """Whether the raw text holds the value, normalised or as printed (spaces ignored)."""
    candidates = {squeeze(str(field.get("value") or "")), squeeze(str(field.get("printed") or ""))}
    return any(c and c in raw_text for c in candidates)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run_sequential(samples: list[Sample], mappings: Mapping[str, KindMapping]) -> list[Outcome]:
    from rapidocr import RapidOCR

    raw = RapidOCR(params={"Global.log_level": "error"})
    recogniser = get_recogniser()
    # Warm both on the first photo: first runs pay for memory arenas and caches.
    raw(str(samples[0].image))
    recognise(samples[0].image.read_bytes(), samples[0].kind, mappings, recogniser=recogniser)

    outcomes = []
    for sample in samples:
        data = sample.image.read_bytes()
        started = time.perf_counter()
        result = recognise(data, sample.kind, mappings, recogniser=recogniser)
        ours = time.perf_counter() - started
        started = time.perf_counter()
        raw_result = raw(str(sample.image))
        raw_seconds = time.perf_counter() - started
        texts = getattr(raw_result, "txts", None) or ()
        outcomes.append(
            Outcome(
                sample=sample,
                ours_seconds=ours,
                raw_seconds=raw_seconds,
                rotation=result.rotation,
                got={name: field.value for name, field in result.fields.items()},
                raw_text=squeeze("".join(texts)),
            )
        )
    return outcomes


async def run_pool(
    samples: list[Sample],
    mappings: Mapping[str, KindMapping],
    mode: Literal["thread", "process"],
) -> tuple[float, int]:
    """Wall time to read every sample through a 2-worker pool of 1 thread each."""
    datas = [(s.image.read_bytes(), s.kind) for s in samples]
    async with OcrPool(
        mappings, workers=2, threads_per_worker=1, mode=mode, max_pending=len(samples)
    ) as pool:
        # Warm-up: process workers load their models; threads share the loaded ones.
        await asyncio.gather(*(pool.submit(*datas[0]) for _ in range(pool.workers)))
        started = time.perf_counter()
        jobs = [pool.enqueue(data, kind) for data, kind in datas]
        peak = pool.stats().pending
        await asyncio.gather(*jobs)
        return time.perf_counter() - started, peak


def report(outcomes: list[Outcome], pools: dict[str, tuple[float, int]]) -> list[str]:
    out: list[str] = []
    per_kind_total: Counter[str] = Counter()
    per_kind_ok: Counter[str] = Counter()
    images: Counter[str] = Counter()
    raw_hits = 0
    misses: list[str] = []
    for o in outcomes:
        images[o.sample.kind] += 1
        for name, truth in o.sample.fields.items():
            per_kind_total[o.sample.kind] += 1
            got = o.got.get(name)
            if got == truth["value"]:
                per_kind_ok[o.sample.kind] += 1
            else:
                misses.append(f"  {o.sample.id}.{name}: expected {truth['value']!r}, got {got!r}")
            raw_hits += contained(truth, o.raw_text)
    total, ok = sum(per_kind_total.values()), sum(per_kind_ok.values())

    out.append(f"{'kind':<26}{'images':>7}{'fields':>8}{'exact':>7}{'accuracy':>10}")
    for kind in sorted(per_kind_total):
        n, k = per_kind_total[kind], per_kind_ok[kind]
        out.append(f"{kind:<26}{images[kind]:>7}{n:>8}{k:>7}{100 * k / n:>9.1f}%")

    ours = [o.ours_seconds for o in outcomes]
    raw = [o.raw_seconds for o in outcomes]
    oriented = sum(o.rotation == o.sample.rotation for o in outcomes)
    out.append("")
    out.append("time per image, sequential (same run, alternating):")
    out.append(
        f"  ours: median {statistics.median(ours):.3f} s, p90 {percentile(ours, 0.9):.3f} s,"
        f" mean {statistics.fmean(ours):.3f} s"
    )
    out.append(
        f"  raw rapidocr (stock, on the file, no orientation handling):"
        f" median {statistics.median(raw):.3f} s, p90 {percentile(raw, 0.9):.3f} s,"
        f" mean {statistics.fmean(raw):.3f} s"
    )
    out.append(
        f"  ours/raw: median {statistics.median(ours) / statistics.median(raw):.2f}x,"
        f" p90 {percentile(ours, 0.9) / percentile(raw, 0.9):.2f}x"
    )
    out.append(f"orientation suggested correctly: {oriented}/{len(outcomes)} images")
    out.append(
        f"raw recogniser text contains {100 * raw_hits / total:.1f}% of field values"
        f" ({raw_hits}/{total}; normalised value or printed form, spaces ignored)"
    )
    for mode, (seconds, peak) in pools.items():
        out.append(
            f"pool throughput ({mode} pool, 2 workers x 1 intra-op thread):"
            f" {len(outcomes)} images in {seconds:.2f} s = {len(outcomes) / seconds:.2f} images/s"
            f" (queue depth at start {peak})"
        )
    out.append(
        f"sequential throughput, ours: {len(ours) / sum(ours):.2f} images/s;"
        f" raw: {len(raw) / sum(raw):.2f} images/s"
    )
    if misses:
        out.append(f"misses ({len(misses)}):")
        out.extend(misses)
    out.append(f"overall field accuracy: {100 * ok / total:.1f}% ({ok}/{total} fields)")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument(
        "--pool-modes",
        default="thread",
        help="comma-separated pool kinds to time: thread, process (default: thread)",
    )
    args = parser.parse_args(argv)
    folder: Path = args.folder.resolve()
    samples, left_out = load_samples(folder)
    for reason in left_out:
        print(f"left out {reason}", file=sys.stderr)
    if not samples:
        print(f"no images with ground truth in {folder}", file=sys.stderr)
        return 2
    # The mappings the service itself collects: core's and every registered plugin's.
    mappings = collect_ocr_mappings(collect(create_plugin_manager(Settings())))
    unknown = sorted({s.kind for s in samples} - set(mappings))
    if unknown:
        print(f"no field mapping for kinds: {', '.join(unknown)}", file=sys.stderr)
        return 2

    fields = sum(len(s.fields) for s in samples)
    print(f"OCR benchmark: {len(samples)} images, {fields} fields, {folder}", flush=True)
    outcomes = run_sequential(samples, mappings)
    pools: dict[str, tuple[float, int]] = {}
    for mode in [m.strip() for m in args.pool_modes.split(",") if m.strip()]:
        if mode not in ("thread", "process"):
            parser.error(f"unknown pool mode {mode!r}")
        pools[mode] = asyncio.run(run_pool(samples, mappings, mode))
    print("\n".join(report(outcomes, pools)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
