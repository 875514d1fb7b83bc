"""Surge tests: planted surges found, stationary data calibrated, p-values match scipy."""

import json

import numpy as np
import pytest
from scipy import stats

from analytics.methods.fdr import fdr_bh
from analytics.methods.surges import surges


def incidents_from(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-incident (period, group) arrays from a groups x periods count table, shuffled."""
    counts = np.asarray(counts, dtype=np.int64)
    g, p = np.nonzero(counts)
    reps = counts[g, p]
    period, group = np.repeat(p, reps), np.repeat(g, reps)
    order = np.random.default_rng(0).permutation(period.size)
    return period[order], group[order]


def run(counts: np.ndarray, **kwargs):
    counts = np.asarray(counts)
    period, group = incidents_from(counts)
    return surges(period, group, n_groups=counts.shape[0], n_periods=counts.shape[1], **kwargs)


def test_planted_surge_is_found_and_the_others_are_not():
    found, false_flags = 0, 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        counts = rng.poisson(10.0, size=(50, 9))
        planted = int(rng.integers(50))
        counts[planted, -1] = 30  # three times its stable level
        sig = run(counts).significant_groups
        found += planted in sig
        false_flags += len([g for g in sig if g != planted])
    # A chance spike in a planted group's own baseline raises its dispersion and can hide
    # the surge (one seed in twenty here); the rest must be found.
    assert found >= 18
    # 20 x 49 null groups: a handful of false flags at most.
    assert false_flags <= 3


def test_null_calibration_any_false_alarm_at_most_fdr():
    reps, fdr = 200, 0.05

    def sample(r):
        rng = np.random.default_rng(1000 + r)
        levels = rng.uniform(0.5, 20.0, size=40)
        return rng.poisson(levels[:, None], size=(40, 9))

    share = sum(bool(run(sample(r), fdr=fdr).significant_groups) for r in range(reps)) / reps
    # Under the global null BH bounds P(any rejection) by fdr; allow binomial slack.
    assert share <= stats.binom.ppf(0.999, reps, fdr) / reps


def test_overdispersed_data_do_not_flood_with_false_surges():
    reps, phi, mean = 200, 3.0, 5.0

    def sample(r):
        rng = np.random.default_rng(2000 + r)
        return rng.negative_binomial(mean / (phi - 1.0), 1.0 / phi, size=(40, 9))

    def rates(**kwargs):
        results = [run(sample(r), **kwargs) for r in range(reps)]
        any_share = sum(bool(res.significant_groups) for res in results) / reps
        per_run = sum(len(res.significant_groups) for res in results) / reps
        return any_share, per_run, results

    nb_any, nb_per_run, nb_results = rates()
    pois_any, pois_per_run, _ = rates(overdispersion=False)
    assert pois_any > 0.5  # the Poisson alone raises false alarms in most runs
    assert nb_any < 0.2
    assert nb_per_run * 5 < pois_per_run
    assert all(row["distribution"] == "negbin" for row in nb_results[0].groups)


def test_poisson_p_value_matches_scipy():
    baseline = [4, 5, 6, 5, 4, 6, 5, 5]  # variance below the mean: Poisson
    res = run([[*baseline, 12]])
    (row,) = res.groups
    mu = (40 + 0.5) / 8
    assert row["distribution"] == "poisson"
    assert row["expected"] == pytest.approx(mu)
    assert row["baseline"] == baseline
    assert row["dispersion"] == pytest.approx(np.var(baseline, ddof=1) / np.mean(baseline))
    assert row["p"] == pytest.approx(1.0 - stats.poisson.cdf(11, mu), rel=1e-10)
    assert row["q"] == pytest.approx(row["p"])  # one group tested


def test_negative_binomial_p_value_matches_scipy():
    baseline = [2, 9, 1, 8, 3, 10, 2, 5]
    res = run([[*baseline, 14]])
    (row,) = res.groups
    mu = (40 + 0.5) / 8
    phi = np.var(baseline, ddof=1) / np.mean(baseline)
    assert phi == pytest.approx(88 / 7 / 5)
    assert row["distribution"] == "negbin"
    assert row["dispersion"] == pytest.approx(phi)
    n, prob = mu / (phi - 1.0), 1.0 / phi
    mean, var = stats.nbinom.stats(n, prob, moments="mv")
    assert (float(mean), float(var)) == pytest.approx((mu, phi * mu))
    assert row["p"] == pytest.approx(1.0 - stats.nbinom.pmf(np.arange(14), n, prob).sum())
    assert row["p"] > stats.poisson.sf(13, mu)  # wider than the Poisson


def test_pooled_dispersion_floors_a_quiet_groups_dispersion():
    a = [4, 5, 6, 5, 4, 6, 5, 5]  # sum of squared deviations 4, mean 5
    b = [2, 9, 1, 8, 3, 10, 2, 5]  # sum of squared deviations 88, mean 5
    res = run([[*a, 12], [*b, 14]])
    pooled = (4 / 5 + 88 / 5) / (7 + 7)
    assert res.pooled_dispersion == pytest.approx(pooled)
    row_a, row_b = res.groups
    assert row_a["group_dispersion"] == pytest.approx(4 / 7 / 5)
    assert row_a["dispersion"] == pytest.approx(pooled)
    assert row_a["distribution"] == "negbin"
    assert row_b["dispersion"] == pytest.approx(88 / 7 / 5)
    mu = 40.5 / 8
    assert row_a["p"] == pytest.approx(
        stats.nbinom.sf(11, mu / (pooled - 1), 1 / pooled), rel=1e-10
    )


def test_zero_baseline_and_one_event_is_not_significant():
    counts = np.zeros((3, 9), dtype=np.int64)
    counts[0, -1] = 1
    counts[1] = 5
    (row, _) = run(counts).groups
    assert row["group"] == 0
    assert row["expected"] == pytest.approx(0.5 / 8)
    assert row["p"] == pytest.approx(1.0 - np.exp(-0.5 / 8))
    assert not row["significant"]


def test_minimum_count_is_what_stops_a_lone_event_on_a_long_empty_baseline():
    counts = np.zeros((1, 31), dtype=np.int64)
    counts[0, -1] = 1
    gated = run(counts, baseline_periods=30)
    (row,) = gated.groups
    assert row["q"] <= 0.05  # p = 1 - exp(-1/60), about 0.017
    assert not row["significant"]
    assert run(counts, baseline_periods=30, min_observed=1).groups[0]["significant"]


def test_seasonal_baseline_uses_the_same_phase_of_earlier_cycles():
    # Period 21 is the fourth "Monday": every Monday is busy, other days quiet.
    counts = np.full((1, 22), 2, dtype=np.int64)
    counts[0, ::7] = 20
    seasonal = run(counts, season=7, baseline_periods=3)
    assert seasonal.baseline_period_ids == (0, 7, 14)
    assert seasonal.groups[0]["baseline"] == [20, 20, 20]
    assert not seasonal.groups[0]["significant"]
    plain = run(counts, baseline_periods=8)
    assert plain.baseline_period_ids == tuple(range(13, 21))
    assert plain.groups[0]["significant"]


def test_benjamini_hochberg_matches_scipy():
    p = np.random.default_rng(5).uniform(size=60) ** 3
    assert fdr_bh(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))


def test_output_shape_untested_groups_and_json():
    counts = np.zeros((4, 6), dtype=np.int64)
    counts[0] = [3, 4, 2, 3, 4, 9]
    counts[2] = [0, 0, 1, 0, 0, 0]
    res = run(counts, baseline_periods=5)
    out = res.to_dict()
    json.dumps(out, allow_nan=False)
    assert [row["group"] for row in out["groups"]] == [0, 2]  # groups 1 and 3 had nothing
    assert set(out["groups"][0]) == {
        "group",
        "observed",
        "expected",
        "baseline",
        "dispersion",
        "group_dispersion",
        "distribution",
        "p",
        "q",
        "significant",
    }
    assert out["groups"][1]["observed"] == 0
    assert out["groups"][1]["p"] == 1.0
    assert out["groups"][1]["dispersion"] is not None  # the pooled estimate stands in
    assert out["tested_period"] == 5
    assert out["baseline_periods"] == [0, 1, 2, 3, 4]
    assert out == run(counts, baseline_periods=5).to_dict()


def test_warnings_short_history_and_sparse_groups():
    counts = np.zeros((3, 5), dtype=np.int64)
    counts[0] = [5, 6, 4, 5, 6]
    counts[1] = [1, 0, 1, 0, 3]
    res = run(counts, baseline_periods=8)
    assert res.baseline_period_ids == (0, 1, 2, 3)
    assert any(w.startswith("short history: 4 baseline periods") for w in res.warnings)
    assert res.sparse_groups == (1,)
    assert any(w.startswith("sparse: 1 of 2 tested groups") for w in res.warnings)
    full = run(np.full((2, 9), 6), baseline_periods=8)
    assert full.warnings == ()
    assert full.sparse_groups == ()


def test_empty_input_tests_nothing():
    res = surges(np.array([], dtype=int), np.array([], dtype=int), n_groups=5, n_periods=9)
    assert res.groups == ()
    assert res.significant_groups == []
    assert any("nothing to test" in w for w in res.warnings)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_groups": -1}, "n_groups"),
        ({"n_periods": 1}, "n_periods"),
        ({"baseline_periods": 0}, "baseline_periods"),
        ({"season": 0}, "season"),
        ({"season": 20}, "season"),
        ({"fdr": 0.0}, "fdr"),
        ({"fdr": 1.5}, "fdr"),
        ({"min_observed": 0}, "min_observed"),
        ({"period": np.array([0, 9])}, "period"),
        ({"period": np.array([0.0, 1.0])}, "period"),
        ({"group": np.array([0, 4])}, "group"),
        ({"group": np.array([0, 1, 2])}, "period and group"),
        ({"n_periods": 9.0}, "n_periods"),
    ],
)
def test_input_validation_names_the_parameter(kwargs, name):
    args = {"period": np.array([0, 8]), "group": np.array([0, 3]), "n_groups": 4, "n_periods": 9}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        surges(args.pop("period"), args.pop("group"), **args)


def test_unequal_periods_scale_the_expected_count_by_their_length():
    # given: 28 incidents in a 28-day February and 31 in a 31-day March (one a day), tested:
    # April's 30
    counts = [28, 31, 30]
    period = np.repeat(np.arange(3), counts)
    group = np.zeros(period.size, dtype=np.int64)
    # when
    plain = surges(period, group, n_groups=1, n_periods=3, baseline_periods=2)
    months = surges(
        period, group, n_groups=1, n_periods=3, baseline_periods=2, lengths=np.array([28, 31, 30])
    )
    # then: per period the level is (59 + 0.5) / 2; per day it is 59.5 / 59 a day, times 30
    assert plain.groups[0]["expected"] == pytest.approx(29.75)
    assert months.groups[0]["expected"] == pytest.approx(59.5 / 59 * 30)
    with pytest.raises(ValueError, match="lengths must be 3 positive numbers"):
        surges(period, group, n_groups=1, n_periods=3, lengths=np.array([28, 0, 30]))
