"""Forecast backtest: the rolling-origin backtest on a public incident file, per category."""

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from analytics.backtests.common import record
from analytics.choices import Kind
from analytics.methods.forecast import forecast
from analytics.methods.grid import grid_covering
from analytics.models import BacktestRun

TUNED_ON = "sf-crime-2012h2.csv"  # the file the forecast models' constants were tuned on


def forecast_backtest(
    path: Path, category: str, *, folds: int = 12, coverage: float = 0.05
) -> BacktestRun:
    """Weekly forecasts of the last `folds` weeks of `category` in the file, 250 m cells: per
    model and week the hit rates at 1%, 5% and `coverage` of cells, every model flagging as
    many cells as prior counts (equal area), each model's ratio to prior counts and the weeks
    it beat them. The weeks scored are listed; the models' constants were not tuned on the
    last 12 weeks of the SF 2012 H2 file (see bench/forecast_sf.py)."""
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
    start = float(days.max()) + 1.0
    result = forecast(x, y, days, grid, start, 7.0, folds=folds, coverage=coverage)
    weeks = [
        {
            "from": (first + dt.timedelta(days=start - 7.0 * k)).isoformat(),
            "to": (first + dt.timedelta(days=start - 7.0 * (k - 1) - 1)).isoformat(),
        }
        for k in range(folds, 0, -1)
    ]
    metrics = {
        **result.backtest,
        "incidents": len(rows),
        "cells": grid.n_cells,
        "weeks": weeks,
    }
    if path.name == TUNED_ON:
        metrics["tuning"] = (
            f"model constants tuned on {TUNED_ON} before 2012-10-09 only; weeks from "
            "2012-10-09 on are held out"
        )
    return record(Kind.FORECAST, f"{path.name}: {category}, weekly, 250 m", metrics)
