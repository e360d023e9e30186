"""Recognised text lines and the little geometry the field extractor needs.

Kept free of numpy and the OCR runtime so that field mappings (and the category
plugins that declare them) can be imported and tested without loading any model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
# Four corners clockwise from the text's own top-left, in upright-image pixels.
Quad = tuple[Point, Point, Point, Point]


def quad_from_points(points: Iterable[Sequence[float]]) -> Quad:
    """Build a :data:`Quad` from any 4x2 sequence (numpy rows, lists of lists)."""
    rows = [(float(p[0]), float(p[1])) for p in points]
    if len(rows) != 4:
        raise ValueError(f"a quad has 4 points, got {len(rows)}")
    return (rows[0], rows[1], rows[2], rows[3])


def _turn(point: Point, turns: int, width: int, height: int) -> Point:
    x, y = point
    if turns == 1:
        return (height - y, x)
    if turns == 2:
        return (width - x, height - y)
    if turns == 3:
        return (y, width - x)
    return (x, y)


def _reading_order(points: Sequence[Point]) -> list[int]:
    """Indices of the corners clockwise from the top-left one (upright frame).

    Sorting by angle around the centre and starting at the smallest x+y holds for any
    tilt; the detector's own order does not: it sorts corners by x, which for a long
    line tilted more than its own thickness starts from a corner of the wrong edge.
    """
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    # With y pointing down, increasing atan2 runs clockwise on screen.
    order = sorted(
        range(len(points)), key=lambda i: math.atan2(points[i][1] - cy, points[i][0] - cx)
    )
    first = min(order, key=lambda i: points[i][0] + points[i][1])
    start = order.index(first)
    return order[start:] + order[:start]


def orient_quad(quad: Quad, degrees_clockwise: int, width: int, height: int) -> tuple[Quad, Quad]:
    """A quad's corners in reading order for a photo to be turned ``degrees_clockwise``.

    Returns the corners as points of the photo as taken (to cut the line out already
    upright) and as points of the turned image (to reason about the layout), in the
    same order. ``width``/``height`` are the photo's before turning.
    """
    turns = (degrees_clockwise // 90) % 4
    moved = [_turn(p, turns, width, height) for p in quad]
    order = _reading_order(moved)
    taken = tuple(quad[i] for i in order)
    upright = tuple(moved[i] for i in order)
    return (taken[0], taken[1], taken[2], taken[3]), (
        upright[0],
        upright[1],
        upright[2],
        upright[3],
    )


def rotate_quad(quad: Quad, degrees_clockwise: int, width: int, height: int) -> Quad:
    """The quad in the frame of the photo turned clockwise, corners in reading order."""
    return orient_quad(quad, degrees_clockwise, width, height)[1]


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned bounds of a quad; the extractor reasons in rows and columns."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def of(cls, quad: Quad) -> Box:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        return cls(min(xs), min(ys), max(xs), max(ys))

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def centre_y(self) -> float:
        return (self.top + self.bottom) / 2

    def vertical_overlap(self, other: Box) -> float:
        """Shared height as a share of the smaller box: 1.0 means the same row."""
        shared = min(self.bottom, other.bottom) - max(self.top, other.top)
        smaller = min(self.height, other.height)
        return max(shared, 0.0) / smaller if smaller > 0 else 0.0

    def horizontal_overlap(self, other: Box) -> float:
        """Shared width as a share of the narrower box: 1.0 means the same column."""
        shared = min(self.right, other.right) - max(self.left, other.left)
        smaller = min(self.width, other.width)
        return max(shared, 0.0) / smaller if smaller > 0 else 0.0


@dataclass(frozen=True, slots=True)
class TextLine:
    """One detected and recognised line of text, in the upright image's frame."""

    text: str
    confidence: float
    quad: Quad

    @property
    def box(self) -> Box:
        return Box.of(self.quad)
