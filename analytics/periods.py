"""Periods of assessments: days, weeks and calendar months, counted back from a window's end.

A day is 24 hours and a week 7 days. A month is a calendar month: the periods before `end` are
[end - k months, end - (k - 1) months), where stepping back k months keeps the day of the month
and the time of day (clamped to the month's last day: one month before 31 March is 28 or 29
February). A window that ends at midnight on the 1st of a month is thus cut into the calendar
months January, February, ... Each boundary is computed from `end` directly, never by chaining
steps, so boundaries do not drift.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

import numpy as np

NAMES = ("day", "week", "month")
NOMINAL_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
_FIXED = {"day": timedelta(days=1), "week": timedelta(days=7)}


def _check(period: str) -> None:
    if period not in NAMES:
        raise ValueError(f"period must be one of {', '.join(NAMES)}, got {period!r}")


def shift(moment: datetime, period: str, k: int) -> datetime:
    """`moment` moved by k periods (k < 0: back in time)."""
    _check(period)
    if period in _FIXED:
        return moment + k * _FIXED[period]
    months = moment.year * 12 + (moment.month - 1) + k
    year, month = divmod(months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def boundaries(end: datetime, period: str, n: int) -> list[datetime]:
    """The n + 1 boundaries of the n periods that end at `end`, oldest first."""
    return [shift(end, period, -k) for k in range(n, -1, -1)]


def whole_periods(after: datetime, before: datetime, period: str) -> int:
    """How many whole periods, counted back from `before`, fit in [after, before)."""
    _check(period)
    if before <= after:
        return 0
    if period in _FIXED:
        return int((before - after) // _FIXED[period])
    n = (before.year - after.year) * 12 + before.month - after.month + 1
    while n > 0 and shift(before, period, -n) < after:
        n -= 1
    return n


def period_index(t_seconds: np.ndarray, end: datetime, period: str, n: int) -> np.ndarray:
    """For each time (POSIX seconds) the index of its period among the n periods ending at
    `end`: 0 the oldest, n - 1 the last; -1 before the first, n at or after `end`."""
    edges = np.array([b.timestamp() for b in boundaries(end, period, n)])
    return np.searchsorted(edges, np.asarray(t_seconds, dtype=float), side="right") - 1


def days_in(start: datetime, period: str) -> float:
    """Length in days of the period that begins at `start`."""
    return (shift(start, period, 1) - start).total_seconds() / 86400.0
