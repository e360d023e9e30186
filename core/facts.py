"""What is known about a person when their eligibility is judged.

Core owns what every category shares: identity (birth date), social insurance in
Guangzhou and earlier settlements. Each category keeps its own facts (degrees, titles,
skill certificates, recognitions) under its id in :attr:`PersonFacts.category_facts`;
core never looks inside them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on ``on`` (周岁): a birthday on ``on`` counts as reached."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


@dataclass(frozen=True)
class InsuranceMonth:
    """One month of social insurance contributions paid in Guangzhou."""

    month: date  # first day of the month
    back_paid: bool = False  # 补缴: paid later for a past month


@dataclass(frozen=True)
class SocialInsurance:
    """Guangzhou social-insurance history (社会保险缴费记录)."""

    months: tuple[InsuranceMonth, ...] = ()

    def is_paid_now(self, on: date) -> bool:
        """Paid for the month of ``on`` or the month before (this month may not be due yet)."""
        paid = {m.month for m in self.months if not m.back_paid}
        current = month_start(on)
        previous = date(current.year - (current.month == 1), (current.month - 2) % 12 + 1, 1)
        return current in paid or previous in paid

    def continuous_months(self, on: date, since: date | None = None) -> int:
        """Months paid without a gap up to ``on``, not counting back-paid months.

        Counting stops at the first gap or back-paid month going backwards, and at
        ``since`` (the month of ``since`` counts only from the following month, so
        "after the certificate" means whole months after it).
        """
        paid = {m.month for m in self.months if not m.back_paid}
        latest = month_start(on)
        if latest not in paid:
            latest = date(latest.year - (latest.month == 1), (latest.month - 2) % 12 + 1, 1)
        floor = _next_month(month_start(since)) if since is not None else None
        count = 0
        month = latest
        while month in paid and (floor is None or month >= floor):
            count += 1
            month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        return count


@dataclass(frozen=True)
class Settlement:
    """An earlier talent settlement in Guangzhou (历史入户记录)."""

    year: int
    district: str
    completed: bool = True


@dataclass(frozen=True)
class PersonFacts:
    id_number: str
    name: str
    birth_date: date
    insurance: SocialInsurance | None = None
    settlements: tuple[Settlement, ...] = ()
    category_facts: Mapping[str, Any] = field(default_factory=dict)
    # Whether shared data (not the applicant's own word) supplied each category's facts.
    from_shared_data: Mapping[str, bool] = field(default_factory=dict)

    def facts_of(self, category_id: str) -> Any:
        return self.category_facts.get(category_id)


class Outcome(enum.StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ConditionResult:
    """A judgement of one condition with reasons a person understands."""

    category_id: str
    condition_id: str
    outcome: Outcome
    reasons: tuple[str, ...]
    facts_used: Mapping[str, str] = field(default_factory=dict)
    # True when shared data alone proves the condition (智能审批 fast track).
    proven_by_shared_data: bool = False
