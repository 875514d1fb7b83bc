"""Backtests that feed the model cards: accuracy and calibration of each method, measured.

- forecast: the rolling-origin backtest on a public incident file (CSV with latitude,
  longitude, date and category columns; weekly, 250 m cells), per category.
- hotspots: calibration on uniform Poisson counts (share of runs flagging any cell at the
  stated FDR) and detection of a planted cluster.
- surges: calibration on stationary Poisson counts and detection of a planted surge.

Each writes one BacktestRun for the method's current version; the card shows the latest.
"""

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from analytics.choices import Kind
from analytics.methods.forecast import forecast
from analytics.methods.grid import Grid, grid_covering, queen_weights
from analytics.methods.hotspots import hotspots
from analytics.methods.surges import surges
from analytics.models import BacktestRun
from analytics.registry import method_version

FDR = 0.05
CLUSTER_RATE = 4.0  # planted: a 3x3 block at this multiple of the background rate
SURGE_RATE = 3.0  # planted: one group's last period at this multiple of its rate


def _record(kind: str, dataset: str, metrics: dict) -> BacktestRun:
    return BacktestRun.objects.create(
        method=kind, method_version=method_version(kind), dataset=dataset, metrics=metrics
    )


def forecast_backtest(path: Path, category: str, *, folds: int = 12) -> BacktestRun:
    """Weekly forecasts of the last `folds` weeks of `category` in the file, 250 m cells."""
    with path.open(newline="") as handle:
        unique = {tuple(r.items()): r for r in csv.DictReader(handle)}  # repeated lines once
    rows = [r for r in unique.values() if r["category"] == category]
    if not rows:
        raise ValueError(f"no {category!r} rows in {path.name}")
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    first = min(dt.date.fromisoformat(r["date"]) for r in rows)
    days = np.array([(dt.date.fromisoformat(r["date"]) - first).days for r in rows], float)
    grid = grid_covering(lat, lon, 250.0)
    x, y = grid.xy(lat, lon)
    result = forecast(x, y, days, grid, float(days.max()) + 1.0, 7.0, folds=folds)
    metrics = {**result.backtest, "incidents": len(rows), "cells": grid.n_cells}
    return _record(Kind.FORECAST, f"{path.name}: {category}, weekly, 250 m", metrics)


def _rate(hits: int, runs: int) -> float:
    return round(hits / runs, 4)


def hotspots_calibration(runs: int, tick: Callable[[], None], seed: int = 7) -> BacktestRun:
    """Runs flagging any cell on uniform counts; runs finding a planted 3x3 cluster."""
    rng = np.random.default_rng(seed)
    grid = Grid(0.0, 0.0, 1000.0, 40, 40, 30.0)
    weights = queen_weights(grid)
    block = np.array([r * 40 + c for r in range(18, 21) for c in range(18, 21)])
    false_alarms = found = 0
    for _ in range(runs):
        counts = rng.poisson(2.0, grid.n_cells).astype(float)
        false_alarms += hotspots(counts, weights, fdr=FDR).n_significant_hot > 0
        counts[block] = rng.poisson(2.0 * CLUSTER_RATE, block.size)
        found += bool((hotspots(counts, weights, fdr=FDR).kind[block] == 1).any())
        tick()
    metrics = {
        "runs": runs,
        "fdr": FDR,
        "false_alarm_rate": _rate(false_alarms, runs),
        "planted_cluster_detection_rate": _rate(found, runs),
    }
    dataset = f"simulated: 40x40 cells, Poisson mean 2, cluster x{CLUSTER_RATE:g} on 3x3 cells"
    return _record(Kind.HOTSPOTS, dataset, metrics)


def surges_calibration(runs: int, tick: Callable[[], None], seed: int = 11) -> BacktestRun:
    """Runs flagging any group on stationary counts; runs finding a planted surge."""
    rng = np.random.default_rng(seed)
    groups, periods, rate = 40, 9, 4.0
    false_alarms = found = 0
    for _ in range(runs):
        counts = rng.poisson(rate, (groups, periods))
        false_alarms += bool(_surging(counts))
        counts[0, -1] = rng.poisson(rate * SURGE_RATE)
        found += 0 in _surging(counts)
        tick()
    metrics = {
        "runs": runs,
        "fdr": FDR,
        "false_alarm_rate": _rate(false_alarms, runs),
        "planted_surge_detection_rate": _rate(found, runs),
    }
    dataset = (
        f"simulated: {groups} groups x {periods} periods, Poisson mean {rate:g}, "
        f"surge x{SURGE_RATE:g}"
    )
    return _record(Kind.SURGES, dataset, metrics)


def _surging(counts: np.ndarray) -> list[int]:
    groups, periods = counts.shape
    group = np.repeat(np.arange(groups), counts.sum(axis=1))
    period = np.concatenate([np.repeat(np.arange(periods), row) for row in counts])
    found = surges(period, group, n_groups=groups, n_periods=periods, fdr=FDR)
    return found.significant_groups
