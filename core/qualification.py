"""Reading the qualification section (入户资格) the way every category plugin needs.

A plugin's ``validate_qualification`` re-checks its condition against what the applicant
typed. The form here reads typed values (text, dates, whole numbers, choices) and collects
a :class:`~core.hookspecs.Problem` for each gap instead of raising, because a section is
saved incomplete and the confirmation page lists everything at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.facts import age_on
from core.hookspecs import Problem

SECTION = "qualification"


@dataclass(frozen=True)
class FormField:
    """One value the qualification section expects (for documentation and checks)."""

    name: str
    label: str
    type: str = "text"  # text | date | int | bool | choice
    choices: Mapping[str, str] | None = None  # value -> label


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class QualificationForm:
    """The section's values with the problems found while reading them."""

    def __init__(self, values: Mapping[str, Any], on: date) -> None:
        self.values = values
        self.on = on
        self.problems: list[Problem] = []

    def problem(
        self, code: str, message: str, field: str | None = None, material_kind: str | None = None
    ) -> None:
        self.problems.append(Problem(SECTION, code, message, field, material_kind))

    def given(self, name: str) -> bool:
        return not _blank(self.values.get(name))

    def _missing(self, name: str, label: str, required: bool) -> bool:
        if self.given(name):
            return False
        if required:
            self.problem("REQUIRED", f"请填写{label}", name)
        return True

    def text(self, name: str, label: str, *, required: bool = True) -> str | None:
        if self._missing(name, label, required):
            return None
        return str(self.values[name]).strip()

    def date_value(
        self, name: str, label: str, *, required: bool = True, past: bool = True
    ) -> date | None:
        """An ISO date (``2016-06-30``); ``past`` refuses one after the day of application."""
        if self._missing(name, label, required):
            return None
        try:
            value = date.fromisoformat(str(self.values[name]).strip()[:10])
        except ValueError:
            self.problem("INVALID", f"{label}应为日期，如 2016-06-30", name)
            return None
        if past and value > self.on:
            self.problem("INVALID", f"{label}不能晚于申报当天（{self.on.isoformat()}）", name)
            return None
        return value

    def integer(
        self, name: str, label: str, *, required: bool = True, minimum: int = 0
    ) -> int | None:
        if self._missing(name, label, required):
            return None
        raw = self.values[name]
        try:
            value = int(str(raw).strip()) if not isinstance(raw, bool) else None
        except ValueError:
            value = None
        if value is None or value < minimum:
            self.problem("INVALID", f"{label}应为不小于 {minimum} 的整数", name)
            return None
        return value

    def flag(self, name: str) -> bool:
        """A yes/no value; absent means no."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "是")
        return bool(value)

    def choice(
        self, name: str, label: str, choices: Mapping[str, str], *, required: bool = True
    ) -> str | None:
        if self._missing(name, label, required):
            return None
        value = str(self.values[name]).strip()
        if value not in choices:
            allowed = "、".join(f"{k}（{v}）" for k, v in choices.items())
            self.problem("INVALID", f"{label}应为 {allowed} 之一", name)
            return None
        return value

    def age_at_most(self, birth_date: date, limit: int | None) -> None:
        """ "N周岁以下" includes N, counted on the day of application."""
        if limit is None:
            return
        age = age_on(birth_date, self.on)
        if age > limit:
            self.problem(
                "NOT_ELIGIBLE",
                f"{self.on.isoformat()} 时 {age} 周岁，"
                f"该条件要求 {limit} 周岁以下（含 {limit} 周岁）",
            )

    def not_eligible(self, message: str, field: str | None = None) -> None:
        self.problem("NOT_ELIGIBLE", message, field)

    def one_material_of(self, kinds: Iterable[str], uploaded: frozenset[str], message: str) -> None:
        """A choice of certificates: at least one of ``kinds`` must have been uploaded."""
        wanted = list(kinds)
        if wanted and not uploaded & set(wanted):
            self.problem("MATERIAL_MISSING", message, material_kind=wanted[0])


def whole_months_between(start: date, end: date) -> int:
    """Whole calendar months after the month of ``start`` up to the month of ``end``.

    The same count as insurance "after the certificate": the month it was issued in is
    not counted.
    """
    return max(0, (end.year - start.year) * 12 + end.month - start.month)
