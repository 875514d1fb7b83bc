"""Level-shift scan and trend: calibrated on stationary series, quick on a planted doubling,
exact on series whose answer is known."""

import json

import numpy as np
import pytest
from scipy import stats

from analytics.methods.level_shift import level_shift, trend
from analytics.methods.surges import surges

LENGTH, LEVEL = 52, 20.0


def draw(rng: np.random.Generator, mu: np.ndarray, phi: float) -> np.ndarray:
    if phi <= 1.0:
        return rng.poisson(mu)
    return rng.negative_binomial(mu / (phi - 1.0), 1.0 / phi)


def bound(runs: int, level: float = 0.05) -> float:
    """Share of runs a test at `level` exceeds with probability 0.001."""
    return stats.binom.ppf(0.999, runs, level) / runs


@pytest.mark.parametrize("phi", [1.0, 2.0])
def test_stationary_series_raise_false_alarms_at_most_at_alpha(phi):
    # given stationary weekly series of the default length
    runs = 150
    rng = np.random.default_rng(int(phi * 100))
    series = [draw(rng, np.full(LENGTH, LEVEL), phi) for _ in range(runs)]
    # when both tests run at alpha 0.05
    shifts = sum(level_shift(x).significant for x in series) / runs
    trends = sum(trend(x, periods_per_year=52.18).significant for x in series) / runs
    # then each flags about 5% of them (measured 3-6.5% over 1000 runs)
    assert shifts <= bound(runs)
    assert trends <= bound(runs)


def test_planted_doubling_is_flagged_within_two_periods():
    # given a x2 shift from period 51 on, at 20 incidents a period
    runs, found = 120, 0
    rng = np.random.default_rng(7)
    for _ in range(runs):
        mu = np.full(LENGTH + 1, LEVEL)
        mu[LENGTH - 1 :] *= 2.0
        x = rng.poisson(mu)
        # when the default-length window ends at the shift's first, then its second period
        first, second = x[:LENGTH], x[1:]
        found += level_shift(first).significant or level_shift(second).significant
    # then it is flagged in at least 80% of runs (measured 98-99%)
    assert found / runs >= 0.9


def test_overdispersed_doubling_is_flagged_by_the_province_tests_within_two_periods():
    # given negative-binomial counts (variance 2x the mean) that double from period 51 on
    def province_row(x):
        period = np.repeat(np.arange(9), x[-9:])
        found = surges(period, np.zeros(period.size, int), n_groups=1, n_periods=9)
        return bool(found.significant_groups)

    runs, scan, either = 100, 0, 0
    rng = np.random.default_rng(8)
    for _ in range(runs):
        mu = np.full(LENGTH + 1, LEVEL)
        mu[LENGTH - 1 :] *= 2.0
        x = draw(rng, mu, 2.0)
        windows = (x[:LENGTH], x[1:])
        hits = [level_shift(w).significant for w in windows]
        scan += any(hits)
        either += any(hits) or any(province_row(w) for w in windows)
    # then the scan alone finds most (measured 76-79%) and with the province row at least 80%
    assert scan / runs >= 0.6
    assert either / runs >= 0.8


def test_a_step_is_located_and_sized():
    x = np.array([10] * 30 + [20] * 22)
    found = level_shift(x)
    assert found.tested
    assert found.significant
    assert found.change_period == 30
    assert (found.before_rate, found.after_rate, found.ratio) == pytest.approx((10, 20, 2))
    assert found.dispersion == 1.0  # no scatter about the step: floored at 1
    low, high = found.ratio_ci
    half = 1.959964 * np.sqrt(1 / 300 + 1 / 440)
    assert (low, high) == pytest.approx((2 * np.exp(-half), 2 * np.exp(half)), rel=1e-5)
    assert found.p == pytest.approx(1 / 500)  # no bootstrap draw reaches it
    json.dumps(found.to_dict(), allow_nan=False)


def test_a_steady_series_is_not_a_shift_and_has_no_trend():
    x = np.full(LENGTH, 12)
    assert not level_shift(x).significant
    assert level_shift(x).p > 0.5
    flat = trend(x, periods_per_year=52.0)
    assert flat.rate_ratio_per_year == pytest.approx(1.0)
    assert not flat.significant


def test_leading_empty_periods_are_not_a_rise_from_nothing():
    # given a window that starts 20 periods before the data do
    x = np.concatenate([np.zeros(20, int), np.full(32, 15)])
    found = level_shift(x)
    assert found.first_period == 20
    assert not found.significant
    assert trend(x, periods_per_year=52.0).rate_ratio_per_year == pytest.approx(1.0)


def test_trend_recovers_a_known_rate_and_its_interval_covers_it():
    # given expected counts that grow 1.5x a year (weekly periods), exactly
    t = np.arange(LENGTH)
    mu = 30.0 * 1.5 ** (t / 52.0)
    exact = trend(mu, periods_per_year=52.0)
    assert exact.rate_ratio_per_year == pytest.approx(1.5, rel=1e-8)
    # and Poisson draws around them: the 95% interval covers 1.5 in most runs
    rng = np.random.default_rng(3)
    covered = sum(
        low <= 1.5 <= high
        for low, high in (trend(rng.poisson(mu), periods_per_year=52.0).ci for _ in range(200))
    )
    assert covered / 200 >= 0.9


def test_calendar_month_lengths_enter_as_exposure():
    # given a constant two incidents a day over 36 calendar months
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] * 3, dtype=float)
    x = 2 * days
    # then with the months' lengths there is neither shift nor trend; without, the short
    # Februaries are a (small) departure from a constant count
    with_days = level_shift(x, exposure=days)
    assert with_days.statistic == pytest.approx(0.0, abs=1e-9)
    assert trend(x, periods_per_year=12.0, exposure=days).rate_ratio_per_year == pytest.approx(1)
    assert level_shift(x).statistic > 0.01


def test_short_series_are_not_tested():
    found = level_shift(np.array([0, 0, 3, 4, 5, 9, 12]))
    assert not found.tested
    assert not found.significant
    assert found.first_period == 2
    assert not trend(np.array([1, 2, 3]), periods_per_year=52.0).tested


def test_results_are_reproducible():
    x = np.random.default_rng(1).poisson(8.0, LENGTH)
    assert level_shift(x) == level_shift(x)


@pytest.mark.parametrize(
    ("counts", "exposure"),
    [
        (np.array([[1, 2], [3, 4]]), None),
        (np.array([1, -2, 3]), None),
        (np.array([1, 2, 3]), np.array([1.0, 0.0, 1.0])),
        (np.array([1, 2, 3]), np.array([1.0, 1.0])),
    ],
)
def test_bad_input_is_refused(counts, exposure):
    with pytest.raises(ValueError, match=r"counts|exposure"):
        level_shift(counts, exposure=exposure)
