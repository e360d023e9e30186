"""Working days on the statutory calendar, with real holidays and make-up days (调休).

The dates are the State Council's published schedules as the chinese-calendar package
carries them: National Day 2026 is 1-7 October with Sunday 20 September and Saturday
10 October worked; Spring Festival 2026 is 15-23 February with Saturday 14 and Saturday
28 February worked.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from core import workdays
from core.workdays import (
    add_working_days,
    day_start,
    is_covered,
    is_working_day,
    local_date,
    working_day_deadline,
    working_days_between,
)


def test_national_day_2026_holiday_and_make_up_days() -> None:
    # Holidays on weekdays are not working days...
    assert not is_working_day(date(2026, 10, 1))  # Thursday
    assert not is_working_day(date(2026, 10, 5))  # Monday
    assert not is_working_day(date(2026, 10, 7))  # Wednesday
    # ...the make-up weekend days are.
    assert is_working_day(date(2026, 9, 20))  # Sunday, 调休
    assert is_working_day(date(2026, 10, 10))  # Saturday, 调休
    # An ordinary weekend stays off.
    assert not is_working_day(date(2026, 9, 19))  # Saturday
    assert not is_working_day(date(2026, 10, 11))  # Sunday


def test_sixth_working_day_across_national_day_2026() -> None:
    # Submitted Monday 28 September: 29, 30 September, then the holiday, then
    # 8 (Thu), 9 (Fri), 10 (Sat, worked) and 12 October.
    submitted = date(2026, 9, 28)
    assert [add_working_days(submitted, n) for n in range(1, 7)] == [
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
    ]
    # A naive Monday-to-Friday count would say 6 October.
    assert add_working_days(submitted, 6) != date(2026, 10, 6)


def test_make_up_sunday_counts_before_the_holiday() -> None:
    # Friday 18 September: the next working day is the make-up Sunday 20 September.
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert add_working_days(date(2026, 9, 18), 2) == date(2026, 9, 21)


def test_spring_festival_2026() -> None:
    assert is_working_day(date(2026, 2, 14))  # Saturday, 调休
    assert all(not is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 28))  # Saturday, 调休
    # Publicity starting Friday 13 February: 14 (Sat, worked), 24, 25, 26, 27 February.
    assert add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    # Review deadline of 15 working days from Thursday 12 February: 13, 14 (Sat),
    # 24-28 (Sat 28 worked), 2-6 and 9-11 March.
    assert add_working_days(date(2026, 2, 12), 15) == date(2026, 3, 11)


def test_working_days_between() -> None:
    start = date(2026, 9, 28)
    assert working_days_between(start, start) == 0
    assert working_days_between(start, date(2026, 9, 27)) == 0
    assert working_days_between(start, date(2026, 10, 7)) == 2  # only 29 and 30 September
    assert working_days_between(start, date(2026, 10, 12)) == 6
    # The inverse of add_working_days.
    for n in (1, 5, 6, 15, 25):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_start_never_counts() -> None:
    # Even when the start is itself a working day.
    assert add_working_days(date(2026, 9, 29), 1) == date(2026, 9, 30)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 29), 0)


def test_uncovered_year_falls_back_to_weekdays_and_warns_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    year = 2099
    assert not is_covered(year)
    assert is_covered(2026)
    monkeypatch.setattr(workdays, "_warned_years", set())
    with caplog.at_level(logging.WARNING, logger="talent.workdays"):
        # 1 January 2099 is a Thursday: no New Year holiday is known, so it counts.
        assert is_working_day(date(year, 1, 1))
        assert not is_working_day(date(year, 1, 3))  # Saturday
        assert add_working_days(date(year, 1, 1), 6) == date(year, 1, 9)
    warnings = [r for r in caplog.records if r.name == "talent.workdays"]
    assert len(warnings) == 1
    assert "2099" in warnings[0].getMessage()


def test_deadlines_are_in_guangzhou_time() -> None:
    # 23:30 UTC on 27 September is already Monday 28 September in Guangzhou.
    submitted = datetime(2026, 9, 27, 23, 30, tzinfo=UTC)
    assert local_date(submitted) == date(2026, 9, 28)
    due = working_day_deadline(submitted, 6)
    assert due == day_start(date(2026, 10, 12))
    assert due.utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError):
        local_date(datetime(2026, 9, 28))
