"""Periods are days, weeks and calendar months counted back from a window's end."""

from datetime import UTC, datetime

import numpy as np
import pytest

from analytics import periods


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_months_are_calendar_months_back_from_the_end():
    edges = periods.boundaries(at(2024, 4, 1), "month", 3)
    assert edges == [at(2024, 1, 1), at(2024, 2, 1), at(2024, 3, 1), at(2024, 4, 1)]
    assert [periods.days_in(e, "month") for e in edges[:3]] == [31.0, 29.0, 31.0]


def test_a_month_back_from_the_31st_is_clamped_to_the_month_end_without_drift():
    assert periods.shift(at(2023, 3, 31), "month", -1) == at(2023, 2, 28)
    assert periods.shift(at(2023, 3, 31), "month", -2) == at(2023, 1, 31)  # not chained
    assert periods.shift(at(2023, 1, 15, 6), "month", -13) == at(2021, 12, 15, 6)


def test_whole_periods_counts_back_from_the_end():
    assert periods.whole_periods(at(2024, 1, 1), at(2024, 4, 1), "month") == 3
    assert periods.whole_periods(at(2024, 1, 2), at(2024, 4, 1), "month") == 2
    assert periods.whole_periods(at(2024, 1, 1), at(2024, 1, 29), "week") == 4
    assert periods.whole_periods(at(2024, 1, 2), at(2024, 1, 1), "day") == 0


def test_period_index_places_times_in_their_calendar_month():
    end = at(2024, 4, 1)
    times = [at(2023, 12, 31, 23), at(2024, 1, 1), at(2024, 2, 29, 23, 59), at(2024, 3, 31), end]
    index = periods.period_index(np.array([t.timestamp() for t in times]), end, "month", 3)
    assert index.tolist() == [-1, 0, 1, 2, 3]


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="period must be one of"):
        periods.shift(at(2024, 1, 1), "fortnight", 1)
