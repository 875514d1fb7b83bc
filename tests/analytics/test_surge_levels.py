"""The surges result beyond (district, category): aggregate rows, and a level shift over the
whole window that the per-period test's moving baseline has absorbed (weeks and months)."""

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from django.conf import settings

from analytics import periods
from analytics.choices import Kind
from analytics.runners.common import Job
from analytics.runners.surges import run_surges
from analytics.scope import normalise_window
from analytics.snapshot import Inputs

END = datetime(2025, 6, 2, tzinfo=UTC)  # a Monday
DISTRICTS = ["Kech", "Mastung", "Quetta"]
CATEGORIES = ["armed-assault", "robbery"]
PARAMS = {"period": "week", "baseline_periods": 8, "fdr": 0.05, "min_observed": 3}


def snapshot(rates: np.ndarray, period: str, seed: int = 4) -> tuple[Inputs, dict]:
    """Incidents at Poisson `rates[d, c, k]` in each period k of the window ending at END."""
    rng = np.random.default_rng(seed)
    n = rates.shape[2]
    edges = [e.timestamp() for e in periods.boundaries(END, period, n)]
    t, district, category = [], [], []
    for (d, c, k), mu in np.ndenumerate(rates):
        m = rng.poisson(mu)
        t += list(rng.uniform(edges[k], edges[k + 1], m))
        district += [d] * m
        category += [c] * m
    size = len(t)
    inputs = Inputs(
        ids=[f"{k:06d}" for k in range(size)],
        agency=np.zeros(size, dtype=np.int64),
        agency_names=["police"],
        t=np.array(t),
        category=np.array(category, dtype=np.int64),
        category_names=CATEGORIES,
        group=np.zeros(size, dtype=np.int64),
        district=np.array(district, dtype=np.int64),
        district_names=DISTRICTS,
        lat=np.zeros(size),
        lon=np.zeros(size),
        killed=np.full(size, np.nan),
        injured=np.full(size, np.nan),
        precision=np.zeros(size, dtype=np.int64),
        text=[""] * size,
    )
    after = periods.shift(END, period, -n)
    return inputs, {"occurred_after": after.isoformat(), "occurred_before": END.isoformat()}


def run(inputs: Inputs, scope: dict, params: dict) -> dict:
    result = run_surges(Job(inputs, scope, params, None, lambda _: None))
    json.dumps(result, allow_nan=False)
    return result


def test_a_doubling_twenty_weeks_ago_is_a_level_shift_though_no_surge_is_left():
    # given 52 weeks in which every district and category doubled from week 32 on
    rates = np.full((3, 2, 52), 3.0)
    rates[:, :, 32:] = 6.0
    inputs, scope = snapshot(rates, "week")
    # when the surges assessment runs
    result = run(inputs, scope, PARAMS)
    # then the last week is no surge (its baseline is at the new level) ...
    assert not any(row["significant"] for row in result["surges"])
    assert not any(row["significant"] for row in result["aggregates"])
    # ... but the level shift is found, dated and sized
    shift = result["level_shift"]
    assert shift["significant"]
    start = datetime.fromisoformat(shift["change_period_start"]).replace(tzinfo=UTC)
    assert abs((start - periods.shift(END, "week", -20)).days) <= 7
    assert 1.6 <= shift["ratio"] <= 2.5
    assert shift["summary"].startswith("incidents per week rose")
    assert len(shift["counts"]) == len(shift["period_starts"]) == 52
    assert result["trend"]["significant"]
    assert result["trend"]["rate_ratio_per_year"] > 1
    assert result["trend"]["summary"].startswith("rising")


def test_aggregate_rows_name_their_level_and_a_province_wide_surge_is_found():
    # given a quiet window, then a last week at three times the level everywhere
    rates = np.full((3, 2, 52), 2.0)
    rates[:, :, -1] = 6.0
    inputs, scope = snapshot(rates, "week", seed=5)
    result = run(inputs, scope, PARAMS)
    rows = {(r["level"], r["district"], r["category"]): r for r in result["aggregates"]}
    assert set(rows) == {
        ("province", "*", "*"),
        *(("category", "*", c) for c in CATEGORIES),
        *(("district", d, "*") for d in DISTRICTS),
    }
    province = rows[("province", "*", "*")]
    assert province["significant"]
    assert province["observed"] == sum(row["observed"] for row in result["surges"])
    assert len(province["incidents"]) == province["observed"]
    assert province["period_start"] == result["surges"][0]["period_start"]
    # the existing rows keep their fields, and alone make the flag list
    assert all(row["level"] == "district_category" for row in result["surges"])
    assert all("*" not in key for key in result["flagged"])


def test_stationary_weeks_show_no_shift_and_say_so():
    inputs, scope = snapshot(np.full((3, 2, 52), 3.0), "week", seed=6)
    shift = run(inputs, scope, PARAMS)["level_shift"]
    assert shift["tested"]
    assert not shift["significant"]
    assert shift["summary"].startswith("no level shift in incidents per week over the 52 weeks")


def test_calendar_months_date_the_shift_at_a_month_start():
    # given 36 calendar months, the rate doubling 12 months before the end
    rates = np.full((3, 2, 36), 4.0)
    rates[:, :, 24:] = 8.0
    inputs, scope = snapshot(rates, "month", seed=7)
    result = run(inputs, scope, {**PARAMS, "period": "month"})
    shift = result["level_shift"]
    assert shift["significant"]
    assert shift["change_period_start"] in {"2024-05-02", "2024-06-02", "2024-07-02"}
    assert shift["period_starts"][0] == "2022-06-02"
    assert shift["summary"].startswith("incidents per month rose")


def test_a_window_too_short_for_the_scan_is_reported_not_tested():
    inputs, scope = snapshot(np.full((3, 2, 6), 3.0), "week", seed=8)
    result = run(inputs, scope, PARAMS)
    assert not result["level_shift"]["tested"]
    assert any(w.startswith("level shift not tested") for w in result["warnings"])


@pytest.mark.parametrize(
    ("period", "baseline", "periods_back"),
    [("week", 8, 52), ("month", 8, 36), ("day", 8, 90), ("week", 60, 61)],
)
def test_the_default_window_holds_the_history_the_scan_needs(period, baseline, periods_back):
    params = {**PARAMS, "period": period, "baseline_periods": baseline}
    after, before = normalise_window(Kind.SURGES, params, None, END)
    assert before == END
    assert after == periods.shift(END, period, -periods_back)
    assert (before - after).days <= settings.ASSESSMENT_MAX_WINDOW_DAYS


def test_a_window_shorter_than_the_baseline_says_so_and_a_month_is_its_own_length():
    # given: months of 28 Feb - 31 Mar tested against the one month before it
    end = datetime(2026, 3, 31, tzinfo=UTC)
    days = [datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)]
    inputs = replace_times(np.array([day.timestamp() for day in days]))
    scope = {"occurred_after": "2026-01-31T00:00:00+00:00", "occurred_before": end.isoformat()}
    # when
    result = run(inputs, scope, {**PARAMS, "period": "month"})
    # then: the cut baseline is named, and the tested month is 31 days long (28 Feb - 31 Mar)
    assert any(w.startswith("short window: 1 baseline month(s)") for w in result["warnings"])
    assert result["parameters"]["period_days"] == 31.0


def replace_times(t: np.ndarray) -> Inputs:
    size = t.size
    return Inputs(
        ids=[f"{k:06d}" for k in range(size)], agency=np.zeros(size, dtype=np.int64),
        agency_names=["police"], t=t, category=np.zeros(size, dtype=np.int64),
        category_names=CATEGORIES, group=np.zeros(size, dtype=np.int64),
        district=np.zeros(size, dtype=np.int64), district_names=DISTRICTS, lat=np.zeros(size),
        lon=np.zeros(size), killed=np.full(size, np.nan), injured=np.full(size, np.nan),
        precision=np.zeros(size, dtype=np.int64), text=[""] * size,
    )  # fmt: skip
