"""Declarative field mappings, and the one extractor that applies them to any document.

A material kind is described as data: a :class:`KindMapping` lists :class:`FieldRule`
entries that say which printed labels a value sits beside, or which pattern finds it
in running text, and what type it is. Category plugins declare their kinds the same
way (``plugins/<category>/ocr.py``) and import nothing but this module, so adding a
certificate never means writing layout code.

The extractor works on recognised lines in the upright frame:

1. straighten the small skew of hand-held photos, so "same row" is a y-range test;
2. join labels split across two lines, and split lines that hold a label and its value;
3. per rule, take the value inline after the label, else the nearest text to its right,
   else the nearest below, never crossing another label (an empty cell is empty);
4. otherwise search the running text (paragraphs re-joined across line wraps), or a
   whole line, with the rule's patterns;
5. normalise and validate: a value that fails (bad check digit, impossible date) is
   reported as invalid, never offered as if it had been read correctly.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from core.ocr.lines import Box, Quad, TextLine
from core.ocr.normalise import NORMALISERS, InvalidValue, compact, conform, normalise

__all__ = [
    "CN_DATE",
    "DATE",
    "ID_NUMBER",
    "FieldResult",
    "FieldRule",
    "KindMapping",
    "extract_fields",
    "merge_mappings",
]

# Building blocks for patterns. Dates as printed: 2009年6月20日, 二〇一三年六月二十六日
# (〇 read as O/0 too), 2001.10.03, 2001-10-03, 2001/10/03; an Arabic 0 may come back
# as O too (2O19年). Spaces are removed before matching.
_CN_DIGIT = "〇○◯零Oo0一二三四五六七八九"
_CN_SMALL = "一二三四五六七八九十"
_AR = r"[\dOoIl|]"
CN_DATE = rf"[{_CN_DIGIT}]{{4}}年[{_CN_SMALL}]{{1,3}}月[{_CN_SMALL}]{{1,3}}日"
DATE = (
    rf"(?:{_AR}{{4}}年{_AR}{{1,2}}月{_AR}{{1,2}}日"
    rf"|{_AR}{{4}}[.\-/]{_AR}{{1,2}}[.\-/]{_AR}{{1,2}}(?!\d)"
    rf"|{CN_DATE})"
)
ID_NUMBER = r"\d{17}[\dXx]"

Where = Literal["right", "below", "right_or_below"]
Status = Literal["ok", "invalid", "missing"]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How to find one field.

    ``labels``: label texts printed beside the value (any one may appear).
    ``type``: a normaliser name from :data:`core.ocr.normalise.NORMALISERS`.
    ``pattern``: regex with a ``value`` group. With labels it is applied to the text
    beside the label (choosing among several lines there); without labels it is
    searched in the running text, or must match a whole line when ``standalone``.
    ``fallback``: regexes searched in the running text when the label is not found.
    ``occurrence``: which appearance of a repeated label (0 = first in reading order).
    ``multiline``: the value may wrap onto lines below (addresses).
    ``choices``: the normalised value must be one of these.
    ``format``: regex the whole normalised value must match (a certificate number's
    published shape); a read that misses it by a look-alike character or two (O for
    0) is repaired only when exactly one repair fits, else it is reported invalid.
    """

    name: str
    labels: tuple[str, ...] = ()
    type: str = "text"
    pattern: str | None = None
    fallback: tuple[str, ...] = ()
    where: Where = "right_or_below"
    occurrence: int = 0
    multiline: bool = False
    standalone: bool = False
    choices: tuple[str, ...] = ()
    format: str | None = None

    def __post_init__(self) -> None:
        if self.type not in NORMALISERS:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")
        if self.format is not None:
            re.compile(self.format)
        for regex in (self.pattern, *self.fallback):
            if regex is not None and "value" not in re.compile(regex).groupindex:
                raise ValueError(f"{self.name}: pattern {regex!r} has no 'value' group")
        if not self.labels and self.pattern is None and not self.fallback:
            raise ValueError(f"{self.name}: needs labels or a pattern")


@dataclass(frozen=True, slots=True)
class KindMapping:
    """The fields of one material kind.

    ``other_labels`` are labels printed on the document for data we do not extract;
    they stop the search for a neighbouring value (an empty 曾用名 cell must not
    yield the 性别 label beside it) and keep label text out of values.
    """

    kind: str
    title: str
    fields: tuple[FieldRule, ...]
    other_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [rule.name for rule in self.fields]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"{self.kind}: duplicate fields {sorted(duplicates)}")

    @property
    def labels(self) -> frozenset[str]:
        found = {_label_key(label) for rule in self.fields for label in rule.labels}
        return frozenset(found | {_label_key(label) for label in self.other_labels})


@dataclass(frozen=True, slots=True)
class FieldResult:
    """One extracted field. ``value`` is set only when ``status`` is ``"ok"``."""

    name: str
    status: Status
    value: str | None = None
    raw: str | None = None
    confidence: float = 0.0
    quad: Quad | None = None
    problem: str | None = None

    @property
    def offered(self) -> bool:
        """Whether to pre-fill the form with this value."""
        return self.status == "ok"


def _unify(text: str) -> str:
    """Whitespace gone and brackets full-width, character for character otherwise."""
    return compact(text).replace("(", "（").replace(")", "）")


def _label_key(text: str) -> str:
    return _unify(text).strip(" ：:")


# --- Layout model -----------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    """A label or a value: a whole line or part of one, with straightened bounds."""

    text: str
    is_label: bool
    box: Box
    quad: Quad
    confidence: float
    line: int
    label_key: str = ""
    following: list[_Piece] = field(default_factory=list)


def _skew(lines: Sequence[TextLine]) -> float:
    """Median angle of long lines' top edges: hand-held photos are a few degrees off."""
    angles = []
    for line in lines:
        (x0, y0), (x1, y1) = line.quad[0], line.quad[1]
        box = line.box
        if box.width > 2 * box.height:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def _straighten(quad: Quad, angle: float) -> Box:
    cos, sin = math.cos(-angle), math.sin(-angle)
    points = [(x * cos - y * sin, x * sin + y * cos) for x, y in quad]
    return Box(
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )


def _glyph_width(char: str) -> float:
    # Latin letters and digits are about half as wide as Chinese characters.
    return 0.55 if char.isascii() else 1.0


def _sub_quad(quad: Quad, text: str, start: int, end: int) -> Quad:
    """The part of a line's quad covering ``text[start:end]``, by estimated glyph widths."""
    widths = [_glyph_width(c) for c in text]
    total = sum(widths) or 1.0
    a, b = sum(widths[:start]) / total, sum(widths[:end]) / total
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad

    def along(p: tuple[float, float], q: tuple[float, float], t: float) -> tuple[float, float]:
        return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)

    top_a, top_b = along((x0, y0), (x1, y1), a), along((x0, y0), (x1, y1), b)
    bottom_a, bottom_b = along((x3, y3), (x2, y2), a), along((x3, y3), (x2, y2), b)
    return (top_a, top_b, bottom_b, bottom_a)


def _union(quads: Iterable[Quad]) -> Quad:
    points = [p for quad in quads for p in quad]
    left, right = min(p[0] for p in points), max(p[0] for p in points)
    top, bottom = min(p[1] for p in points), max(p[1] for p in points)
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def _join_fragments(lines: list[TextLine], angle: float) -> list[TextLine]:
    """Re-join pieces of one printed line that the detector cut apart.

    A seal or glare can split a line (``粤`` | ``(2023)广州市不动产权第…号``). Pieces on
    the same row that touch are joined with a space, so label detection still sees
    where each piece started.
    """
    boxes = [_straighten(line.quad, angle) for line in lines]
    order = sorted(range(len(lines)), key=lambda i: boxes[i].left)
    absorbed: set[int] = set()
    joined: dict[int, TextLine] = {}
    for i in order:
        if i in absorbed:
            continue
        current, box = lines[i], boxes[i]
        while True:
            mate = next(
                (
                    j
                    for j in order
                    if j != i
                    and j not in absorbed
                    and j not in joined
                    and boxes[j].vertical_overlap(box) > 0.7
                    and 0.7 < boxes[j].height / max(box.height, 1.0) < 1.4
                    and -0.5 * box.height < boxes[j].left - box.right < 0.3 * box.height
                ),
                None,
            )
            if mate is None:
                break
            other = lines[mate]
            absorbed.add(mate)
            current = TextLine(
                text=f"{current.text} {other.text}",
                confidence=min(current.confidence, other.confidence),
                quad=(current.quad[0], other.quad[1], other.quad[2], current.quad[3]),
            )
            box = Box(
                box.left,
                min(box.top, boxes[mate].top),
                boxes[mate].right,
                max(box.bottom, boxes[mate].bottom),
            )
        joined[i] = current
    return [joined[i] for i in range(len(lines)) if i in joined]


def _merge_split_labels(lines: list[TextLine], labels: frozenset[str]) -> list[TextLine]:
    """Join a line that is the start of a label with the line that completes it."""
    keys = [_label_key(line.text) for line in lines]
    used: set[int] = set()
    merged: list[TextLine] = []
    for i, line in enumerate(lines):
        if i in used:
            continue
        head = keys[i]
        partial = (
            head
            and head not in labels
            and any(label.startswith(head) and len(label) > len(head) for label in labels)
        )
        if partial:
            mate = _completing_line(i, lines, keys, labels, used)
            if mate is not None:
                used.add(mate)
                other = lines[mate]
                merged.append(
                    TextLine(
                        text=line.text + other.text,
                        confidence=min(line.confidence, other.confidence),
                        quad=_union((line.quad, other.quad)),
                    )
                )
                continue
        merged.append(line)
    return merged


def _completing_line(
    i: int, lines: list[TextLine], keys: list[str], labels: frozenset[str], used: set[int]
) -> int | None:
    box = lines[i].box
    for j, other in enumerate(lines):
        if j == i or j in used:
            continue
        joined = keys[i] + keys[j]
        if not any(joined.startswith(label) for label in labels):
            continue
        ob = other.box
        beside = ob.vertical_overlap(box) > 0.5 and 0 <= ob.left - box.right < box.height
        below = ob.horizontal_overlap(box) > 0.3 and 0 <= ob.top - box.bottom < box.height
        if beside or below:
            return j
    return None


def _split_line(index: int, line: TextLine, labels: Sequence[str], angle: float) -> list[_Piece]:
    """Cut a line into label and value pieces at whitespace and label boundaries.

    Recognisers keep separate cells on one line when they are close (``姓名 赵佳平``,
    ``性别男``); a label is recognised only where a line or a space-separated run
    starts, so words inside running text are never mistaken for labels.
    """
    text = line.text
    runs = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    pieces: list[_Piece] = []
    value_start: int | None = None
    value_end = 0

    def emit(start: int, end: int, is_label: bool, key: str = "") -> None:
        whole = (start, end) == (0, len(text))
        quad = line.quad if whole else _sub_quad(line.quad, text, start, end)
        pieces.append(
            _Piece(
                text=text[start:end],
                is_label=is_label,
                box=_straighten(quad, angle),
                quad=quad,
                confidence=line.confidence,
                line=index,
                label_key=key,
            )
        )

    def flush() -> None:
        nonlocal value_start
        if value_start is not None:
            emit(value_start, value_end, False)
            value_start = None

    r = 0
    while r < len(runs):
        start = runs[r][0]
        rest = _unify("".join(text[a:b] for a, b in runs[r:]))
        label = next((lb for lb in labels if rest.startswith(lb)), None)
        if label is None:
            if value_start is None:
                value_start = start
            value_end = runs[r][1]
            r += 1
            continue
        flush()
        # Consume the label's characters run by run (unifying only changes bracket
        # width, so lengths agree), then a following colon.
        need, end, run = len(label), start, r
        while need > 0 and run < len(runs):
            a, b = runs[run]
            take = min(need, b - a)
            end, need = a + take, need - take
            if end == b:
                run += 1
        while end < len(text) and text[end] in "：:":
            end += 1
        emit(start, end, True, label)
        if run < len(runs) and end < runs[run][1]:
            value_start, value_end = end, runs[run][1]
            run += 1
        elif run < len(runs) and end >= runs[run][1]:
            run += 1
        r = run
    flush()
    return [p for p in pieces if p.is_label or compact(p.text)]


@dataclass(slots=True)
class _Layout:
    pieces: list[_Piece]
    lines: list[TextLine]
    line_boxes: list[Box]
    running_text: str
    running_lines: list[int]


def _layout(lines: Sequence[TextLine], mapping: KindMapping) -> _Layout:
    labels = mapping.labels
    angle = _skew(lines)
    ordered = sorted(lines, key=lambda line: (line.box.top, line.box.left))
    merged = _merge_split_labels(_join_fragments(ordered, angle), labels)
    merged.sort(key=lambda line: (_straighten(line.quad, angle).top, line.box.left))
    by_length = sorted(labels, key=len, reverse=True)
    pieces: list[_Piece] = []
    for index, line in enumerate(merged):
        line_pieces = _split_line(index, line, by_length, angle)
        for before, after in itertools.pairwise(line_pieces):
            before.following.append(after)
        pieces.extend(line_pieces)
    boxes = [_straighten(line.quad, angle) for line in merged]
    text, owners = _running_text(merged, boxes)
    return _Layout(pieces, merged, boxes, text, owners)


def _running_text(lines: list[TextLine], boxes: list[Box]) -> tuple[str, list[int]]:
    """Paragraphs re-joined across line wraps, one per text line of the result.

    Lines continue a paragraph when they are about as tall, just below, and in the
    same column; wraps split words (金融学专 / 业), so they are joined without a gap.
    Returns the text and, per character, the index of the line it came from.
    """
    chars: list[str] = []
    owners: list[int] = []
    placed: set[int] = set()
    for start in range(len(lines)):
        if start in placed:
            continue
        chain = [start]
        placed.add(start)
        while True:
            last = boxes[chain[-1]]
            follow = None
            for j in range(len(lines)):
                if j in placed:
                    continue
                box = boxes[j]
                similar = 0.75 < box.height / max(last.height, 1.0) < 1.33
                gap = box.top - last.bottom
                below = -0.3 * last.height < gap < 0.9 * last.height
                if similar and below and box.horizontal_overlap(last) > 0.5:
                    follow = j
                    break
            if follow is None:
                break
            chain.append(follow)
            placed.add(follow)
        if chars:
            chars.append("\n")
            owners.append(chain[0])
        for index in chain:
            for char in _unify(lines[index].text):
                chars.append(char)
                owners.append(index)
    return "".join(chars), owners


# --- Finding values ---------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    raw: str
    confidence: float
    quad: Quad


def _apply(pattern: str | None, text: str) -> str | None:
    if pattern is None:
        return text
    found = re.search(pattern, _unify(text))
    return found["value"] if found else None


def _beside(label: _Piece, pieces: list[_Piece], where: Where) -> list[_Piece]:
    """Value pieces next to a label, nearest first: inline, then right, then below."""
    found: list[_Piece] = [p for p in label.following[:1] if not p.is_label]
    box, height = label.box, label.box.height
    if where in ("right", "right_or_below"):
        row = [
            p
            for p in pieces
            if p is not label
            and p.box.vertical_overlap(box) >= 0.4
            # Detector boxes are padded and may overlap their label a little.
            and p.box.left >= box.left + 0.5 * box.width
            and p.box.right >= box.right + 0.5 * height
            and p.box.left - box.right <= 10 * height
        ]
        row.sort(key=lambda p: (p.box.left, p.box.top))
        for piece in row:
            if piece.is_label:
                # Another label in the row is not a barrier to rows that share it
                # vertically only in part (a two-line cell); it is when it lies between.
                if piece.box.vertical_overlap(box) >= 0.6:
                    break
                continue
            if piece not in found:
                found.append(piece)
    if where in ("below", "right_or_below"):
        column = [
            p
            for p in pieces
            if p is not label
            and p.box.top >= box.bottom - 0.3 * height
            and p.box.top - box.bottom <= 1.5 * height
            and (p.box.horizontal_overlap(box) > 0.3 or abs(p.box.left - box.left) < height)
        ]
        column.sort(key=lambda p: (p.box.top, p.box.left))
        for piece in column[:1]:
            if not piece.is_label and piece not in found:
                found.append(piece)
    return found


def _continuation(first: _Piece, pieces: list[_Piece]) -> list[_Piece]:
    """Value pieces that wrap below ``first``, left-aligned with it (multi-line address)."""
    chain = [first]
    while True:
        last = chain[-1]
        height = last.box.height
        nxt = [
            p
            for p in pieces
            if p not in chain
            and 0 <= p.box.top - last.box.bottom + 0.3 * height <= 1.1 * height
            and abs(p.box.left - first.box.left) < 1.5 * height
        ]
        if not nxt or nxt[0].is_label:
            return chain
        chain.append(min(nxt, key=lambda p: p.box.top))


def _labelled(rule: FieldRule, layout: _Layout) -> list[_Found]:
    keys = {_label_key(label) for label in rule.labels}
    labels = [p for p in layout.pieces if p.is_label and p.label_key in keys]
    labels.sort(key=lambda p: (p.box.top, p.box.left))
    if rule.occurrence >= len(labels):
        return []
    label = labels[rule.occurrence]
    found: list[_Found] = []
    for piece in _beside(label, layout.pieces, rule.where):
        chain = _continuation(piece, layout.pieces) if rule.multiline else [piece]
        text = "".join(p.text for p in chain)
        value = _apply(rule.pattern, text)
        if value:
            found.append(
                _Found(
                    raw=value,
                    confidence=min(p.confidence for p in chain),
                    quad=_union(p.quad for p in chain) if len(chain) > 1 else piece.quad,
                )
            )
    return found


def _in_running_text(patterns: Iterable[str], layout: _Layout) -> list[_Found]:
    found: list[_Found] = []
    for pattern in patterns:
        for match in re.finditer(pattern, layout.running_text, flags=re.MULTILINE):
            start, end = match.span("value")
            indexes = sorted(set(layout.running_lines[start:end]))
            if not indexes:
                continue
            found.append(
                _Found(
                    raw=match["value"],
                    confidence=min(layout.lines[i].confidence for i in indexes),
                    quad=_union(layout.lines[i].quad for i in indexes),
                )
            )
    return found


def _standalone(pattern: str, layout: _Layout) -> list[_Found]:
    found: list[_Found] = []
    for line in layout.lines:
        match = re.fullmatch(pattern, _unify(line.text))
        if match:
            found.append(_Found(raw=match["value"], confidence=line.confidence, quad=line.quad))
    return found


def _candidates(rule: FieldRule, layout: _Layout) -> list[_Found]:
    found = _labelled(rule, layout) if rule.labels else []
    if not found and rule.pattern is not None and not rule.labels:
        if rule.standalone:
            found = _standalone(rule.pattern, layout)
        else:
            found = _in_running_text((rule.pattern,), layout)
    if not found and rule.fallback:
        found = _in_running_text(rule.fallback, layout)
    return found


def _resolve(rule: FieldRule, candidates: list[_Found]) -> FieldResult:
    """The first candidate that normalises and validates; else report the first one."""
    first_problem: tuple[_Found, str] | None = None
    for candidate in candidates:
        try:
            value = normalise(rule.type, candidate.raw)
            if rule.format is not None:
                value = conform(value, rule.format)
            if rule.choices and value not in rule.choices:
                raise InvalidValue(f"not one of {'/'.join(rule.choices)}")
        except InvalidValue as exc:
            if first_problem is None:
                first_problem = (candidate, exc.reason)
            continue
        return FieldResult(
            name=rule.name,
            status="ok",
            value=value,
            raw=candidate.raw,
            confidence=round(candidate.confidence, 4),
            quad=candidate.quad,
        )
    if first_problem is not None:
        candidate, reason = first_problem
        return FieldResult(
            name=rule.name,
            status="invalid",
            raw=candidate.raw,
            confidence=round(candidate.confidence, 4),
            quad=candidate.quad,
            problem=reason,
        )
    return FieldResult(name=rule.name, status="missing", problem="not found")


def merge_mappings(*sources: Mapping[str, KindMapping]) -> Mapping[str, KindMapping]:
    """Collect the kinds of core and every plugin into one read-only registry.

    Fails at start-up on a kind declared twice, or filed under a key that is not its
    own name, rather than letting one silently shadow the other at request time.
    """
    merged: dict[str, KindMapping] = {}
    for source in sources:
        for kind, mapping in source.items():
            if kind != mapping.kind:
                raise ValueError(f"mapping for {mapping.kind!r} filed under {kind!r}")
            if kind in merged:
                raise ValueError(f"material kind {kind!r} is mapped twice")
            merged[kind] = mapping
    return MappingProxyType(merged)


def extract_fields(lines: Sequence[TextLine], mapping: KindMapping) -> dict[str, FieldResult]:
    """Apply ``mapping`` to recognised lines (upright frame); one result per rule."""
    layout = _layout(lines, mapping)
    return {rule.name: _resolve(rule, _candidates(rule, layout)) for rule in mapping.fields}
