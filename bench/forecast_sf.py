"""Forecasts on real incidents: San Francisco, July-December 2012, weekly, 250 m cells.

For each category in the file, a rolling backtest over the last weeks of the data (each week
forecast from the incidents before it; the first forecast week still has WARM_UP_WEEKS weeks
of history behind it, enough for the kde model's inner selection on 4 earlier weeks). Prints
hit rate and PAI at 1% and 5% of cells per model, each model's PAI at 5% over prior_counts',
in how many weeks each model beat prior_counts, the winner and the final fits. One row per
(incident_number, category); the grid is the smallest 250 m grid covering every incident of
every category (2,499 cells, water included, so PAIs are higher than over the cells that
ever see an incident). Prints figures; asserts nothing."""

import csv
import datetime as dt
import time

import numpy as np
from common import ROOT

from analytics.methods.forecast import MODELS, forecast
from analytics.methods.grid import grid_covering

SF = ROOT.parent / "shared" / "data" / "sf-crime-2012h2.csv"
CATEGORIES = ("ROBBERY", "VEHICLE THEFT", "BURGLARY", "ASSAULT", "LARCENY/THEFT")
FIRST_DAY = dt.date(2012, 7, 1)
PERIOD_DAYS = 7.0
WARM_UP_WEEKS = 14


def load():
    with SF.open(newline="") as handle:
        rows = list(
            {(r["incident_number"], r["category"]): r for r in csv.DictReader(handle)}.values()
        )
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    days = np.array([(dt.date.fromisoformat(r["date"]) - FIRST_DAY).days for r in rows], float)
    category = np.array([r["category"] for r in rows])
    return lat, lon, days, category


def report(name, result, seconds):
    bt = result.backtest
    folds = len(bt["prior_counts"]["folds"])
    print(f"\n{name}: {folds} weekly folds, {seconds:.1f} s, winner {bt['winner']}")
    print(f"  {'model':<14}{'hit 1%':>8}{'PAI 1%':>8}{'hit 5%':>8}{'PAI 5%':>8}{'PAI5/prior':>12}")
    base = bt["prior_counts"]["pai_5"]
    for model in MODELS:
        m = bt[model]
        print(
            f"  {model:<14}{m['hit_rate_1']:>8.3f}{m['pai_1']:>8.2f}{m['hit_rate_5']:>8.3f}"
            f"{m['pai_5']:>8.2f}{m['pai_5'] / base:>12.3f}"
        )
    prior = [f["pai_5"] for f in bt["prior_counts"]["folds"]]
    for model in MODELS[1:]:
        own = [f["pai_5"] for f in bt[model]["folds"]]
        better = sum(a > b + 1e-9 for a, b in zip(own, prior, strict=True))
        worse = sum(a < b - 1e-9 for a, b in zip(own, prior, strict=True))
        print(
            f"  {model}: PAI 5% above prior_counts in {better}, below in {worse} of {folds} weeks"
        )
    etas, kde = result.parameters["etas"], result.parameters["kde"]
    print(
        f"  final fits: kde h={kde['bandwidth_m']:g} m tau={kde['tau_days']:g} d; etas "
        f"K={etas['K']:.2f} 1/omega={1 / etas['omega']:.1f} d sigma={etas['sigma']:.0f} m "
        f"mu0={etas['mu0']:.1f}/d ({etas['em_iterations']} EM iterations, "
        f"{etas['n_pairs']} pairs)"
    )
    for warning in result.warnings:
        print(f"  warning: {warning}")


def main() -> None:
    lat, lon, days, category = load()
    grid = grid_covering(lat, lon, 250.0)
    x, y = grid.xy(lat, lon)
    start = float(days.max()) + 1.0  # the day after the last date: all data are history
    folds = int((start - WARM_UP_WEEKS * PERIOD_DAYS) // PERIOD_DAYS)
    first = FIRST_DAY + dt.timedelta(days=start - folds * PERIOD_DAYS)
    last = FIRST_DAY + dt.timedelta(days=start - 1)
    print(
        f"SF 2012 H2, {grid.n_cells} cells of 250 m, weekly forecasts {first}..{last} "
        f"({folds} folds), PAI over all grid cells"
    )
    present = sorted(set(category))
    wanted = [c for c in CATEGORIES if c in present] + [c for c in present if c not in CATEGORIES]
    missing = [c for c in CATEGORIES if c not in present]
    if missing:
        print(f"not in the file: {', '.join(missing)}")
    for name in wanted:
        chosen = category == name
        began = time.perf_counter()
        result = forecast(x[chosen], y[chosen], days[chosen], grid, start, PERIOD_DAYS, folds=folds)
        report(f"{name} ({chosen.sum()} incidents)", result, time.perf_counter() - began)


if __name__ == "__main__":
    main()
