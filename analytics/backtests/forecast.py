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
    return record(Kind.FORECAST, f"{path.name}: {category}, weekly, 250 m", metrics)
