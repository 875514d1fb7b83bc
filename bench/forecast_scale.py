"""Forecasts at scale: 100,000 and 1,000,000 synthetic incidents over two years on a 50 x 50 km
area, 250 m cells (40,000 cells), weekly, 4 backtest folds. Times `forecast(...)` (one run,
then a second under tracemalloc for its peak) and prints how the self-exciting model's caps
shortened its EM window. Prints figures; asserts nothing.

The incidents (seeded): 60% around 300 hotspots (Gaussian, 150-1,000 m, Pareto-distributed
weights), 10% uniform, and offspring of those - each incident triggers Poisson(0.3) more,
Exp(3 days) later and N(0, 100 m) away - until the total is reached."""

import time
import tracemalloc

import numpy as np
from common import ROOT  # noqa: F401 - puts the project on the path

from analytics.methods.forecast import MODELS, forecast
from analytics.methods.grid import Grid

SIDE_M = 50_000.0
DAYS = 730.0
CELL_M = 250.0


def incidents(n: int, rng: np.random.Generator):
    n_hot = 300
    hx, hy = rng.uniform(0, SIDE_M, n_hot), rng.uniform(0, SIDE_M, n_hot)
    spread = rng.uniform(150, 1000, n_hot)
    weight = rng.pareto(1.2, n_hot) + 0.1
    pick = rng.choice(n_hot, int(n * 0.6), p=weight / weight.sum())
    n_flat = int(n * 0.1)
    x = np.concatenate(
        [hx[pick] + rng.normal(0, 1, pick.size) * spread[pick], rng.uniform(0, SIDE_M, n_flat)]
    )
    y = np.concatenate(
        [hy[pick] + rng.normal(0, 1, pick.size) * spread[pick], rng.uniform(0, SIDE_M, n_flat)]
    )
    t = rng.uniform(0, DAYS, x.size)
    xs, ys, ts = [x], [y], [t]
    total = x.size
    while t.size and total < n:
        parent = np.repeat(np.arange(t.size), rng.poisson(0.3, t.size))
        x = x[parent] + rng.normal(0, 100, parent.size)
        y = y[parent] + rng.normal(0, 100, parent.size)
        t = t[parent] + rng.exponential(3.0, parent.size)
        xs.append(x)
        ys.append(y)
        ts.append(t)
        total += t.size
    x, y, t = (np.concatenate(v)[:n] for v in (xs, ys, ts))
    return np.clip(x, 0, SIDE_M - 1), np.clip(y, 0, SIDE_M - 1), t


def main() -> None:
    side = int(SIDE_M / CELL_M)
    grid = Grid(south=0.0, west=0.0, cell_m=CELL_M, nx=side, ny=side, ref_lat=0.0)
    print(
        f"forecast(..., period_days=7, folds=4) on {grid.n_cells} cells of {CELL_M:g} m, "
        f"{DAYS:g} days of incidents, forecasting the week after"
    )
    print(
        f"{'incidents':>10}{'seconds':>9}{'peak MiB':>10}{'EM window d':>13}{'EM events':>11}"
        f"{'pairs':>10}{'winner':>14}  PAI 5% (prior_counts / kde / etas)"
    )
    rng = np.random.default_rng(2026)
    previous = None
    for n in (100_000, 1_000_000):
        x, y, t = incidents(n, rng)
        began = time.perf_counter()
        result = forecast(x, y, t, grid, DAYS, 7.0, folds=4)
        seconds = time.perf_counter() - began
        tracemalloc.start()
        forecast(x, y, t, grid, DAYS, 7.0, folds=4)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        etas = result.parameters["etas"]
        pai = " / ".join(f"{result.backtest[m]['pai_5']:.2f}" for m in MODELS)
        print(
            f"{n:>10}{seconds:>9.1f}{peak / 2**20:>10.0f}{etas['em_window_days']:>13.1f}"
            f"{etas['n_events']:>11}{etas['n_pairs']:>10}{result.model:>14}  {pai}"
        )
        for warning in result.warnings:
            print(f"{'':>10}warning: {warning}")
        if previous:
            print(f"{'':>10}10x the incidents: {seconds / previous:.1f}x the time")
        previous = seconds
    print("(peak MiB: tracemalloc peak of Python-level allocations, numpy arrays included)")


if __name__ == "__main__":
    main()
