"""Working days (工作日) on the Chinese statutory calendar.

Every time limit in the review lifecycle counts working days: acceptance within 5 (the
6th counts as accepted), review within 15 (extendable by 10), publicity 5. Public
holidays and the weekend make-up working days (调休) come from the maintained
``chinese-calendar`` package, not from a list kept here: the State Council publishes
each year's schedule in November and a package release follows.

For a year the installed package does not cover yet, working days fall back to Monday
to Friday and a warning is logged once per year: deadlines stay computable, and the
warning tells operations to upgrade ``chinese-calendar``.

Dates are calendar dates in Guangzhou (Asia/Shanghai); :func:`local_date` and
:func:`day_start` convert to and from the timezone-aware datetimes the database keeps.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger("talent.workdays")

TIMEZONE = ZoneInfo("Asia/Shanghai")

_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def _statutory(day: date) -> bool | None:
    """The package's answer, or None when it has no data for the year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def is_covered(year: int) -> bool:
    """Whether the statutory calendar for ``year`` is known (not the weekday fallback)."""
    return _statutory(date(year, 1, 1)) is not None


def is_working_day(day: date) -> bool:
    """A day offices are open: weekdays that are not holidays, plus make-up days (调休)."""
    known = _statutory(day)
    if known is not None:
        return known
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "chinese-calendar has no statutory calendar for %s: counting Monday to Friday "
            "as working days. Upgrade the chinese-calendar package.",
            day.year,
        )
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start``; ``start`` itself never counts.

    ``add_working_days(submitted, 6)`` is the day an application awaiting acceptance is
    accepted automatically.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def local_date(moment: datetime) -> date:
    """The calendar date in Guangzhou of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(TIMEZONE).date()


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Guangzhou, as an aware datetime.

    A timer "on the 6th working day" is due at the start of that day.
    """
    return datetime.combine(day, time.min, tzinfo=TIMEZONE)


def working_day_deadline(start: datetime, n: int) -> datetime:
    """When the ``n``-th working day after the day of ``start`` begins."""
    return day_start(add_working_days(local_date(start), n))
