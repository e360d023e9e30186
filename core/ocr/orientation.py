"""Which way up is the photo? Answered from the detector's line boxes plus a vote.

Certificates are printed in horizontal lines, so the long side of most line boxes
tells whether the page lies on its side (90/270) or not (0/180). What remains is a
half-turn ambiguity, settled by PP-OCR's 0/180 direction classifier on the longest
lines cut out in the candidate reading order. Both steps reuse the detection the
recogniser needs anyway, so orientation costs a dozen tiny classifier runs (a few ms).

The answer is a *suggestion*: the service offers it to the user and applies it, and
the pipeline uses it to read the lines upright.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from core.ocr.engine import ImageArray, Recogniser, crop_quad
from core.ocr.lines import Quad, orient_quad

# A box counts as a line, not a single character, when its long side is this many
# times its short side; single characters are square and say nothing about direction.
_LINE_ASPECT = 2.0
# Lines sent to the direction classifier: the longest ones carry the most evidence.
_VOTERS = 12
# The standalone estimate detects on a copy this small (long side, pixels).
_ESTIMATE_SIDE = 960


@dataclass(frozen=True, slots=True)
class Orientation:
    """Clockwise degrees (0/90/180/270) that make the photo upright, and how sure."""

    rotation: int
    confidence: float


def _line_direction(quad: Quad) -> tuple[float, bool] | None:
    """Length of a line's long side and whether it runs down the photo; None for blobs.

    Judged from the long edge's direction, not the corner order (see
    :func:`core.ocr.lines.orient_quad`).
    """
    (x0, y0), (x1, y1), _, (x3, y3) = quad
    edges = ((x1 - x0, y1 - y0), (x3 - x0, y3 - y0))
    (lx, ly), (sx, sy) = sorted(edges, key=lambda e: -math.hypot(*e))
    long_side, short_side = math.hypot(lx, ly), math.hypot(sx, sy)
    if long_side < _LINE_ASPECT * short_side:
        return None
    return long_side, abs(ly) > abs(lx)


def orientation_from_quads(
    image: ImageArray, quads: Sequence[Quad], recogniser: Recogniser
) -> Orientation:
    """Decide the rotation from line quads already detected on ``image`` as taken."""
    across = down = 0.0
    lines: list[tuple[float, Quad, bool]] = []
    for quad in quads:
        direction = _line_direction(quad)
        if direction is None:
            continue
        length, runs_down = direction
        if runs_down:
            down += length
        else:
            across += length
        lines.append((length, quad, runs_down))
    if across + down == 0:
        return Orientation(rotation=0, confidence=0.0)

    sideways = down > across
    base = 90 if sideways else 0
    layout_margin = abs(down - across) / (down + across)
    height, width = image.shape[:2]
    voters = sorted((item for item in lines if item[2] == sideways), key=lambda item: -item[0])
    crops = [
        crop_quad(image, orient_quad(q, base, width, height)[0]) for _, q, _ in voters[:_VOTERS]
    ]
    votes = recogniser.upside_down(crops)
    weights = [length for length, _, _ in voters[: len(votes)]]
    total = sum(weights)
    flip = sum(v * w for v, w in zip(votes, weights, strict=True)) / total if total else 0.0
    rotation = (base + 180) % 360 if flip > 0 else base
    return Orientation(rotation=rotation, confidence=round(layout_margin * abs(flip), 3))


def estimate_orientation(image: ImageArray, recogniser: Recogniser) -> Orientation:
    """Standalone estimate for a photo not otherwise being read: detects on a small copy."""
    height, width = image.shape[:2]
    scale = min(1.0, _ESTIMATE_SIDE / max(height, width))
    small = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return orientation_from_quads(small, recogniser.detect(small), recogniser)
