"""Forecasts on real incidents: San Francisco, July-December 2012, weekly, 250 m cells.

For each category, a rolling backtest over every week of the data that has WARM_UP_WEEKS weeks
of history behind it: each week is forecast from the incidents before it. Every model flags
exactly ceil(a x 2,499) cells (ties by cell id), the same number as prior counts: a = 1%
(25 cells) and 5% (125 cells), each asked as the forecast's `coverage` (the kde bandwidth and
decay are chosen per coverage). The weeks are split into tuning weeks and the last HELD_OUT
weeks, which no constant of the models was tuned on; they are printed separately, week by
week: the hit rate (share of the week's incidents in flagged cells) of each model, and of
"selected" - the model the forecast would pick for that week (best mean hit rate over the
SELECTION_FOLDS weeks before it, as `forecast(..., folds=4)` does). Then per model: hits
summed over the weeks, the mean hit rate, its ratio to prior counts' mean and in how many
weeks it hit more / fewer than prior counts. One row per (incident_number, category); the
grid is the smallest 250 m grid covering every incident of every category (water included).
Prints figures; asserts nothing."""

import csv
import datetime as dt
import time

import numpy as np
from common import ROOT

from analytics.methods.forecast import MODELS, forecast
from analytics.methods.grid import grid_covering

SF = ROOT.parent / "shared" / "data" / "sf-crime-2012h2.csv"
CATEGORIES = ("ROBBERY", "VEHICLE THEFT", "DRUG/NARCOTIC", "VANDALISM")
FIRST_DAY = dt.date(2012, 7, 1)
PERIOD_DAYS = 7.0
WARM_UP_WEEKS = 6
HELD_OUT = 12
SELECTION_FOLDS = 4
COVERAGES = (0.01, 0.05)
TIE = 1e-9


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


def table(result):
    """Per model the weekly hit rates (oldest week first), the weeks' sizes and origins."""
    bt = result.backtest
    rows = {m: sorted(bt[m]["folds"], key=lambda r: -r["fold"]) for m in MODELS}
    hits = {m: np.array([r["hit_rate_coverage"] for r in rows[m]]) for m in MODELS}
    sizes = np.array([r["n_events"] for r in rows["prior_counts"]])
    origins = [r["origin"] for r in rows["prior_counts"]]
    return hits, sizes, origins


def selected(hits):
    """Per week the model with the best mean hit rate over the SELECTION_FOLDS weeks before
    (simplest first on ties; prior_counts until enough weeks are behind), and its hit rate."""
    n = len(hits["prior_counts"])
    names, rates = [], []
    for w in range(n):
        best = "prior_counts"
        if w >= SELECTION_FOLDS:
            score = {m: hits[m][w - SELECTION_FOLDS : w].mean() for m in MODELS}
            for m in MODELS[1:]:
                if score[m] > score[best] + TIE:
                    best = m
        names.append(best)
        rates.append(hits[best][w])
    return names, np.array(rates)


def summary(label, hits, sizes, weeks):
    prior = hits["prior_counts"][weeks]
    print(f"    {label}: {weeks.size} weeks, {int(sizes[weeks].sum())} incidents")
    print(f"      {'model':<14}{'hits':>6}{'mean hit':>10}{'/prior':>8}{'weeks >':>9}{'<':>4}")
    for m, rate in hits.items():
        own = rate[weeks]
        hit = round(float((own * sizes[weeks]).sum()))
        ratio = own.mean() / prior.mean() if prior.mean() > 0 else float("nan")
        above = int((own > prior + TIE).sum())
        below = int((own < prior - TIE).sum())
        print(f"      {m:<14}{hit:>6}{own.mean():>10.3f}{ratio:>8.3f}{above:>9}{below:>4}")


def report(name, results, seconds):
    print(f"\n{name}: {seconds:.1f} s")
    for coverage, result in results.items():
        hits, sizes, origins = table(result)
        names, rates = selected(hits)
        hits = {**hits, "selected": rates}
        n = sizes.size
        tuning, held = np.arange(0, n - HELD_OUT), np.arange(n - HELD_OUT, n)
        cells = result.backtest["cells_flagged"]
        print(
            f"  coverage {coverage:.0%} ({cells} cells for every model), final winner "
            f"{result.model}"
        )
        print(f"    {'week from':<12}{'n':>5}" + "".join(f"{m[:9]:>10}" for m in hits) + "  chosen")
        for w in range(n):
            if w == n - HELD_OUT:
                print("    -- held out --")
            day = FIRST_DAY + dt.timedelta(days=origins[w])
            print(
                f"    {day!s:<12}{sizes[w]:>5}"
                + "".join(f"{hits[m][w]:>10.3f}" for m in hits)
                + f"  {names[w]}"
            )
        summary("tuning weeks", hits, sizes, tuning)
        summary("held-out weeks", hits, sizes, held)
        for warning in result.warnings:
            if "prior counts" in warning:
                print(f"    warning: {warning}")
    final = results[COVERAGES[-1]].parameters
    etas, kde = final["etas"], final["kde"]
    print(
        f"  final fits (5%): kde h={kde['bandwidth_m']:g} m tau={kde['tau_days']:g} d; etas "
        f"K={etas['K']:.2f} sigma={etas['sigma']:.0f} m ({etas['em_iterations']} EM iterations)"
    )


def main() -> None:
    lat, lon, days, category = load()
    grid = grid_covering(lat, lon, 250.0)
    x, y = grid.xy(lat, lon)
    start = float(days.max()) + 1.0  # the day after the last date: all data are history
    folds = int((start - WARM_UP_WEEKS * PERIOD_DAYS) // PERIOD_DAYS)
    first = FIRST_DAY + dt.timedelta(days=start - folds * PERIOD_DAYS)
    held = FIRST_DAY + dt.timedelta(days=start - HELD_OUT * PERIOD_DAYS)
    last = FIRST_DAY + dt.timedelta(days=start - 1)
    print(
        f"SF 2012 H2, {grid.n_cells} cells of 250 m, weekly forecasts {first}..{last} "
        f"({folds} weeks; tuning weeks before {held}, held out {held}..{last})"
    )
    for name in CATEGORIES:
        chosen = category == name
        if not chosen.any():
            print(f"\n{name}: not in the file")
            continue
        began = time.perf_counter()
        results = {
            c: forecast(
                x[chosen],
                y[chosen],
                days[chosen],
                grid,
                start,
                PERIOD_DAYS,
                coverage=c,
                folds=folds,
            )
            for c in COVERAGES
        }
        report(f"{name} ({chosen.sum()} incidents)", results, time.perf_counter() - began)


if __name__ == "__main__":
    main()
