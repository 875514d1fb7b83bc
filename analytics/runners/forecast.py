"""Forecast runner: next-period risk per cell, with its backtest and bias checks."""

from datetime import UTC, datetime, time
from datetime import date as date_cls

import numpy as np

from analytics import periods
from analytics.methods.forecast import INNER_FOLDS, forecast
from analytics.methods.forecast_regression import TRAIN_PERIODS
from analytics.runners.common import (
    MAX_LISTED_CELLS,
    Job,
    bias_for,
    covering_grid,
    empty,
    exact_places,
    geometry,
    grid_spec,
    persistence_sets,
    truncated,
    with_note,
)

# the kde's inner folds and the regression's training periods reach back beyond the folds
ORIGINS_BEYOND_FOLDS = max(INNER_FOLDS, TRAIN_PERIODS) + 1


def fold_origins(start: datetime, period: str, n: int) -> list[float]:
    """Starts of the n periods before `start`, most recent first, in days relative to `start`
    (calendar months for "month")."""
    return [
        (periods.shift(start, period, -k) - start).total_seconds() / 86400.0
        for k in range(1, n + 1)
    ]


def run_forecast(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    start = datetime.combine(date_cls.fromisoformat(params["forecast_start"]), time(), UTC)
    days = periods.days_in(start, params["period"])
    inputs, imprecise = exact_places(inputs)
    if inputs.n == 0:
        return {
            **with_note(empty("cells"), imprecise),
            "forecast_start": params["forecast_start"],
            "period": params["period"],
            "model": None,
            "backtest": {},
        }
    grid = covering_grid(inputs, scope, params["cell_size_km"] * 1000.0)
    x, y = grid.xy(inputs.lat, inputs.lon)
    t_days = (inputs.t - start.timestamp()) / 86400.0
    progress(20)
    found = forecast(
        x,
        y,
        t_days,
        grid,
        0.0,
        float(days),
        coverage=params["coverage"],
        folds=params["folds"],
        seed=params.get("seed", 0),
        origins=fold_origins(start, params["period"], params["folds"] + ORIGINS_BEYOND_FOLDS),
    ).to_dict()
    progress(80)
    listed = found["cells"][:MAX_LISTED_CELLS]  # sorted by rank
    rows = [{"id": c["id"], "geometry": geometry(grid, c["id"]), **c} for c in listed]
    if len(found["cells"]) > len(listed):
        found["warnings"].append(truncated(len(listed), len(found["cells"])))
    flagged_cells = {c["id"] for c in found["cells"] if c["flagged"]}
    cells = grid.locate(inputs.lat, inputs.lon)
    flagged = np.isin(cells, list(flagged_cells)) if flagged_cells else np.zeros(inputs.n, bool)
    spec = grid_spec(grid)
    same = previous is not None and previous.get("grid") == spec
    flag_sets = persistence_sets(flagged_cells, previous, "flagged_cells", same)
    checks = bias_for(inputs, flagged, "forecast", flag_sets)
    return {
        "forecast_start": params["forecast_start"],
        "period": params["period"],
        "model": found["model"],
        "cells": rows,
        "grid": spec,
        "flagged_cells": sorted(flagged_cells),
        "backtest": found["backtest"],
        "parameters": {**params, "models": found["parameters"]},
        "bias_checks": checks,
        "warnings": [*([imprecise] if imprecise else []), *found["warnings"], *checks["warnings"]],
    }
