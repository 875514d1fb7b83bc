"""Forecasts: scoring by hand, EM on data simulated from the model itself, the backtest on
self-exciting and on stationary data, selection at equal area and at the requested coverage,
calendar-month folds, no look-ahead, determinism, and real SF incidents."""

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from analytics.methods import forecast as fc
from analytics.methods import forecast_regression as reg
from analytics.methods.grid import Grid, grid_covering

SF = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sf-crime-2012h2.csv"
SIDE = 10_000.0
GRID = Grid(south=0.0, west=0.0, cell_m=250.0, nx=40, ny=40, ref_lat=0.0)


def uniform(rng, n):
    return rng.uniform(0, SIDE, n), rng.uniform(0, SIDE, n)


def hotspots(spread):
    """70% of incidents around five fixed places (`spread` metres along each axis), the rest
    anywhere."""
    centres = np.array([[2000, 3000], [7000, 7000], [5200, 1800], [3000, 8200], [8200, 2500]])

    def places(rng, n):
        k = n * 7 // 10
        near = centres[rng.integers(0, len(centres), k)] + rng.normal(0, spread, (k, 2))
        x, y = uniform(rng, n - k)
        return np.concatenate([near[:, 0], x]), np.concatenate([near[:, 1], y])

    return places


def simulate(seed, *, mu0, branching, omega, sigma, days=200.0, places=uniform):
    """A space-time Hawkes process on the square: Poisson background (`places` draws where),
    each incident triggering Poisson(branching) offspring after Exp(omega) days, N(0, sigma^2)
    metres away along each axis; offspring after `days` or outside the square are dropped."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(mu0 * days)
    x, y = places(rng, n)
    t = rng.uniform(0, days, n)
    xs, ys, ts = [x], [y], [t]
    while t.size:
        parent = np.repeat(np.arange(t.size), rng.poisson(branching, t.size))
        x = x[parent] + rng.normal(0, sigma, parent.size)
        y = y[parent] + rng.normal(0, sigma, parent.size)
        t = t[parent] + rng.exponential(1.0 / omega, parent.size)
        x, y, t = x[t < days], y[t < days], t[t < days]
        xs.append(x)
        ys.append(y)
        ts.append(t)
    x, y, t = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    inside = (x >= 0) & (x < SIDE) & (y >= 0) & (y < SIDE)
    return x[inside], y[inside], t[inside]


@pytest.fixture(scope="module")
def exciting():
    """Strong short-lived triggering over a thin uniform background."""
    data = simulate(5, mu0=3.0, branching=0.8, omega=0.3, sigma=100.0)
    return data, fc.forecast(*data, GRID, 200.0, 7.0, folds=4)


@pytest.fixture(scope="module")
def stationary():
    """Fixed hotspots, no triggering at all."""
    data = simulate(6, mu0=10.0, branching=0.0, omega=1.0, sigma=100.0, places=hotspots(400))
    return data, fc.forecast(*data, GRID, 200.0, 7.0, folds=4)


def test_hit_rate_and_pai_by_hand():
    risk = np.array([0.1, 0.5, 0.5, 0.2, 0.9, 0.0, 0.0, 0.0, 0.0, 0.3])
    cells = np.array([4, 4, 1, 2, 9, -1])  # the last one is outside the grid and ignored
    # 20% of 10 cells: cell 4, then cell 1 before cell 2 (equal risk, lower id) -> 3 of 5 hit
    assert fc.top_cells(risk, 0.2).tolist() == [4, 1]
    hit, pai = fc.hit_rate_and_pai(risk, cells, 0.2)
    assert hit == pytest.approx(0.6)
    assert pai == pytest.approx(0.6 / 0.2)
    # 25% of 10 cells rounds up to 3 cells: 4, 1, 2 -> 4 of 5 hit
    assert fc.top_cells(risk, 0.25).tolist() == [4, 1, 2]
    hit, pai = fc.hit_rate_and_pai(risk, cells, 0.25)
    assert hit == pytest.approx(0.8)
    assert pai == pytest.approx(0.8 / 0.3)
    # 7% of 100 is 7 cells, not 8 (0.07 * 100 = 7.000000000000001 in floating point)
    assert fc.top_cells(np.arange(100.0), 0.07).tolist() == list(range(99, 92, -1))
    assert all(math.isnan(v) for v in fc.hit_rate_and_pai(risk, np.array([-1]), 0.2))


def test_pairs_are_exactly_those_within_the_cut_offs():
    rng = np.random.default_rng(1)
    n = 600
    x, y = rng.uniform(0, 6000, n), rng.uniform(0, 6000, n)
    t = np.sort(np.round(rng.uniform(0, 200, n)))  # whole days: many simultaneous incidents
    radius = 3 * fc.ETAS_SIGMA_MAX_M
    i, j, dt_, d2 = fc._Buckets(x, y, t, radius).pairs(0)
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lag = t[jj] - t[ii]
    dist2 = (x[jj] - x[ii]) ** 2 + (y[jj] - y[ii]) ** 2
    want = (lag > 0) & (lag <= fc.ETAS_CUTOFF_DAYS) & (dist2 <= radius**2)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == sorted(
        zip(ii[want].tolist(), jj[want].tolist(), strict=True)
    )
    assert np.allclose(dt_, t[j] - t[i])
    assert np.allclose(d2, (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2)
    # from a later start only pairs among the later incidents remain, re-indexed
    i5, j5, _, _ = fc._Buckets(x, y, t, radius).pairs(300)
    keep = want & (ii >= 300)
    assert sorted(zip((i5 + 300).tolist(), (j5 + 300).tolist(), strict=True)) == sorted(
        zip(ii[keep].tolist(), jj[keep].tolist(), strict=True)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_em_recovers_the_parameters_it_was_simulated_with(seed):
    x, y, t = simulate(seed, mu0=5.0, branching=0.5, omega=1.0, sigma=200.0)
    fit = fc.fit_etas(x, y, t, GRID, 200.0)
    assert fit.converged
    assert abs(fit.K - 0.5) <= 0.1, fit
    assert abs(fit.sigma - 200.0) <= 0.25 * 200.0, fit
    assert abs(fit.omega - 1.0) <= 0.3, fit
    assert abs(fit.mu0 - 5.0) <= 1.0, fit


@pytest.mark.parametrize(("seed", "spread"), [(10, 400.0), (11, 120.0), (12, 60.0)])
def test_no_triggering_gives_a_branching_ratio_near_zero(seed, spread):
    x, y, t = simulate(seed, mu0=10.0, branching=0.0, omega=1.0, sigma=1.0, places=hotspots(spread))
    fit = fc.fit_etas(x, y, t, GRID, 200.0)
    assert fit.K < 0.15, fit


def test_etas_beats_prior_counts_on_self_exciting_data(exciting):
    _, result = exciting
    bt = result.backtest
    assert bt["etas"]["pai_5"] > 1.3 * bt["prior_counts"]["pai_5"], bt
    assert bt["winner"] != "prior_counts"
    assert result.parameters["etas"]["K"] > 0.5


def test_without_triggering_the_simple_models_are_as_good_as_etas(stationary):
    _, result = stationary
    bt = result.backtest
    simple = max(bt["prior_counts"]["pai_5"], bt["kde"]["pai_5"])
    assert simple >= 0.98 * bt["etas"]["pai_5"], bt
    assert len(bt["prior_counts"]["folds"]) == 4
    assert result.parameters["etas"]["K"] < 0.15


def test_incidents_at_or_after_start_change_nothing(exciting):
    (x, y, t), _ = exciting
    keep = t < 180.0  # pretend the data go on past start = 180
    before = fc.forecast(x[keep], y[keep], t[keep], GRID, 180.0, 7.0, folds=3)
    rng = np.random.default_rng(9)
    extra_x, extra_y = uniform(rng, 500)
    extra_t = np.concatenate([np.full(250, 180.0), rng.uniform(180.0, 400.0, 250)])
    after = fc.forecast(
        np.concatenate([x, extra_x]),
        np.concatenate([y, extra_y]),
        np.concatenate([t, extra_t]),
        GRID,
        180.0,
        7.0,
        folds=3,
    )
    assert after.to_dict() == before.to_dict()
    assert np.array_equal(after.risk, before.risk)


def test_same_input_in_any_order_gives_the_same_forecast(exciting):
    (x, y, t), result = exciting
    again = fc.forecast(x, y, t, GRID, 200.0, 7.0, folds=4)
    assert again.to_dict() == result.to_dict()
    order = np.random.default_rng(3).permutation(t.size)
    shuffled = fc.forecast(x[order], y[order], t[order], GRID, 200.0, 7.0, folds=4)
    assert shuffled.to_dict() == result.to_dict()
    assert np.array_equal(shuffled.risk, result.risk)


def test_the_result_is_consistent_and_json_friendly(exciting):
    _, result = exciting
    n_flag = math.ceil(0.05 * GRID.n_cells)
    assert result.flagged.sum() == n_flag
    assert sorted(result.rank.tolist()) == list(range(1, GRID.n_cells + 1))
    assert (result.rank[result.flagged] <= n_flag).all()
    assert result.model == result.backtest["winner"]
    out = result.to_dict()
    text = json.dumps(out, allow_nan=False)  # plain types only, NaN turned into None
    assert json.loads(text) == out
    assert [c["rank"] for c in out["cells"]] == list(range(1, n_flag + 1))
    assert out["cells"][0]["risk"] == pytest.approx(result.risk.max())
    keys = {f"{m}_{a}" for m in ("hit_rate", "pai") for a in ("1", "5", "coverage")}
    keys |= {"ratio_to_prior", "folds_beating_prior", "folds_below_prior", "folds"}
    for name in fc.MODELS:
        assert set(out["backtest"][name]) == keys
    assert out["backtest"]["coverage"] == 0.05
    assert out["backtest"]["cells_flagged"] == n_flag
    assert out["parameters"]["risk_unit"].startswith("expected") == (result.model != "ensemble")
    assert {"K", "omega", "sigma", "mu0", "em_iterations", "converged"} <= set(
        out["parameters"]["etas"]
    )
    assert {"bandwidth_m", "tau_days"} <= set(out["parameters"]["kde"])
    # the winner's risk is an expected count: about the incidents of one week
    assert 0.3 * 7 * 3.0 / 0.2 < result.risk.sum() < 3 * 7 * 3.0 / 0.2


def test_sparse_history_is_flagged_in_warnings():
    x, y = np.array([100.0, 5000.0, 5100.0]), np.array([100.0, 5000.0, 5050.0])
    result = fc.forecast(x, y, np.array([1.0, 2.0, 30.0]), GRID, 50.0, 7.0, folds=2)
    assert result.model == "prior_counts"
    assert any("fewer than 30" in w for w in result.warnings)
    assert any("skipped" in w for w in result.warnings)
    assert result.to_dict()["backtest"]["etas"]["pai_5"] is None
    empty = fc.forecast(np.zeros(0), np.zeros(0), np.zeros(0), GRID, 50.0, 7.0)
    assert empty.risk.sum() == 0
    assert empty.flagged.sum() == math.ceil(0.05 * GRID.n_cells)


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"x": np.zeros(2)}, "x, y and t_days"),
        ({"y": np.array([0.0, np.nan, 1.0])}, "y must"),
        ({"t_days": np.array([0.0, np.inf, 1.0])}, "t_days must"),
        ({"x": np.zeros((3, 1))}, "x must"),
        ({"grid": "not a grid"}, "grid must"),
        ({"start": math.nan}, "start must"),
        ({"period_days": 0.0}, "period_days must"),
        ({"folds": 0}, "folds must"),
        ({"folds": 2.5}, "folds must"),
        ({"coverage": 1.0}, "coverage must"),
        ({"coverage": 0.0}, "coverage must"),
        ({"seed": "1"}, "seed must"),
    ],
)
def test_invalid_arguments_are_named(change, name):
    args = {"x": np.zeros(3), "y": np.zeros(3), "t_days": np.arange(3.0), "grid": GRID}
    args |= {"start": 10.0, "period_days": 7.0}
    args |= change
    keyword = {k: args.pop(k) for k in ("folds", "coverage", "seed") if k in args}
    with pytest.raises(ValueError, match=name):
        fc.forecast(
            args["x"],
            args["y"],
            args["t_days"],
            args["grid"],
            args["start"],
            args["period_days"],
            **keyword,
        )


def sf_incidents(category: str):
    with SF.open(newline="") as handle:
        rows = {(r["incident_number"], r["category"]): r for r in csv.DictReader(handle)}
    lat = np.array([float(r["latitude"]) for r in rows.values()])
    lon = np.array([float(r["longitude"]) for r in rows.values()])
    first = dt.date(2012, 7, 1)
    days = np.array([(dt.date.fromisoformat(r["date"]) - first).days for r in rows.values()])
    chosen = np.array([r["category"] == category for r in rows.values()])
    grid = grid_covering(lat, lon, 250.0)
    x, y = grid.xy(lat, lon)
    return grid, x[chosen], y[chosen], days[chosen].astype(float)


def test_robbery_forecasts_in_san_francisco_beat_random_flagging():
    grid, x, y, t = sf_incidents("ROBBERY")
    assert x.size > 1000
    result = fc.forecast(x, y, t, grid, 184.0, 7.0, folds=4)  # the four weeks to 31 December
    for name in fc.MODELS:
        assert result.backtest[name]["pai_5"] > 1.0, (name, result.backtest[name])
        assert len(result.backtest[name]["folds"]) == 4
    assert result.flagged.sum() == math.ceil(0.05 * grid.n_cells)


def test_every_model_is_scored_on_the_same_number_of_cells_even_with_tied_zeros():
    # two cells ever hit: prior counts has 1598 tied zeros, yet flags exactly 80 cells (5%),
    # the two hit cells then the lowest ids, like every other model
    x = np.array([6000.0] * 5 + [9000.0] * 3)
    y = np.array([6000.0] * 5 + [9000.0] * 3)
    t = np.array([1.0, 3.0, 8.0, 9.0, 16.0, 2.0, 10.0, 15.0])
    result = fc.forecast(x, y, t, GRID, 21.0, 7.0, folds=1, coverage=0.05)
    n_flag = math.ceil(0.05 * GRID.n_cells)
    assert result.backtest["cells_flagged"] == n_flag
    hot = [GRID.nx * 24 + 24, GRID.nx * 36 + 36]
    prior = fc._risk(_context(x, y, t, 21.0, 0.05), "prior_counts", 0)
    assert (
        fc.top_cells(prior, 0.05).tolist()
        == hot + [c for c in range(n_flag) if c not in hot][: n_flag - 2]
    )
    assert result.flagged.sum() == n_flag


def _context(x, y, t, start, coverage, origins=None):
    events, kernels = fc._events(x, y, t, GRID, start)
    bounds = fc._origins(start, 7.0, origins)
    return fc._Context(events, kernels, GRID, start, 7.0, 364.0, bounds, coverage)


def test_the_winner_is_the_best_hit_rate_at_the_requested_coverage(exciting):
    (x, y, t), at_5 = exciting
    at_1 = fc.forecast(x, y, t, GRID, 200.0, 7.0, folds=2, coverage=0.01)
    for coverage, result in ((0.05, at_5), (0.01, at_1)):
        bt = result.backtest
        rates = {m: bt[m]["hit_rate_coverage"] for m in fc.MODELS}
        best = max(rates.values())
        assert result.model == next(m for m in fc.MODELS if rates[m] > best - 1e-9)
        prior = [f["hit_rate_coverage"] for f in bt["prior_counts"]["folds"]]
        for m in fc.MODELS:
            own = [f["hit_rate_coverage"] for f in bt[m]["folds"]]
            beating = sum(a > b + 1e-9 for a, b in zip(own, prior, strict=True))
            assert bt[m]["folds_beating_prior"] == beating
            assert bt[m]["ratio_to_prior"] == pytest.approx(rates[m] / rates["prior_counts"])
            assert [f["hit_rate_coverage"] for f in bt[m]["folds"]] == [
                f[f"hit_rate_{round(100 * coverage)}"] for f in bt[m]["folds"]
            ]
        assert result.flagged.sum() == math.ceil(coverage * GRID.n_cells)


def test_when_nothing_beats_prior_counts_the_warning_says_so():
    # the same few cells every day, nothing else: every model ranks them first, so all tie and
    # the simplest, prior counts, wins
    days = np.repeat(np.arange(60.0), 3)
    x = np.tile([1000.0, 4000.0, 8000.0], 60) + 10.0
    result = fc.forecast(x, x.copy(), days + 0.5, GRID, 60.0, 7.0, folds=2, coverage=0.01)
    assert result.model == "prior_counts"
    assert any(
        "no model beat prior counts at equal area at 1% coverage" in w for w in result.warnings
    )


def test_monthly_folds_start_on_calendar_month_boundaries():
    from analytics.runners.forecast import fold_origins

    start = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    origins = fold_origins(start, "month", 3)
    days_back = [-29.0, -29.0 - 31.0, -29.0 - 31.0 - 31.0]  # Feb 2024 (leap), Jan, Dec 2023
    assert origins == days_back
    rng = np.random.default_rng(4)
    x, y = uniform(rng, 600)
    t = rng.uniform(-200.0, 0.0, 600)
    result = fc.forecast(x, y, t, GRID, 0.0, 31.0, folds=2, origins=origins)
    folds = result.backtest["prior_counts"]["folds"]
    assert [(f["origin"], f["end"]) for f in folds] == [(-29.0, 0.0), (-60.0, -29.0)]
    assert result.parameters["origins"] == [0.0, -29.0, -60.0]
    assert [f["n_events"] for f in folds] == [
        int(((t >= -29) & (t < 0)).sum()),
        int(((t >= -60) & (t < -29)).sum()),
    ]
    with pytest.raises(ValueError, match="origins must"):
        fc.forecast(x, y, t, GRID, 0.0, 31.0, origins=[-29.0, -10.0])


def test_regression_uses_only_incidents_before_its_origin(exciting):
    (x, y, t), _ = exciting
    ctx = _context(x, y, t, 200.0, 0.05)
    fold = fc._risk(ctx, "regression", 2)  # origin 186
    keep = t < 186.0
    early = fc._risk(_context(x[keep], y[keep], t[keep], 200.0, 0.05), "regression", 2)
    assert np.array_equal(fold, early)
    assert ctx.regression_fits[2].n_origins == reg.TRAIN_PERIODS


def test_poisson_regression_recovers_its_coefficients():
    rng = np.random.default_rng(2)
    features = rng.normal(0, 1, (4000, 2))
    counts = rng.poisson(np.exp(0.3 + 0.8 * features[:, 0] - 0.5 * features[:, 1]))
    fit = reg.fit_poisson(features, counts.astype(float), np.ones(4000), l2=0.0)
    slope = fit.coef / fit.scale
    assert slope == pytest.approx([0.8, -0.5], abs=0.05)
    assert fit.predict(np.zeros((1, 2)), 1.0)[0] == pytest.approx(math.exp(0.3), rel=0.08)
    shrunk = reg.fit_poisson(features, counts.astype(float), np.ones(4000), l2=1.0)
    assert np.abs(shrunk.coef).sum() < 0.7 * np.abs(fit.coef).sum()
