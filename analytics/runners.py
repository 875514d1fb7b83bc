"""Runners: turn a snapshot into a method's input arrays and its output into the result JSON.

Each runner takes the snapshot (`Inputs`), the stored scope and parameters, the previous run
of the same question (for flag persistence) and a progress callback; it returns the result
with its evidence (incident ids behind each flag), parameters, bias checks and warnings.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from datetime import date as date_cls

import numpy as np

from analytics.methods.bias import bias_checks
from analytics.methods.forecast import forecast
from analytics.methods.grid import Grid, cell_counts, grid_covering, queen_weights
from analytics.methods.hotspots import hotspots
from analytics.methods.links import find_links
from analytics.methods.surges import surges
from analytics.scope import PERIODS
from analytics.snapshot import Inputs

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Job:
    """What a runner gets: the snapshot, the stored scope and parameters, the previous run's
    result of the same question (or None) and a progress callback (percent)."""

    inputs: Inputs
    scope: dict
    params: dict
    previous: dict | None
    progress: Progress

    def parts(self) -> tuple[Inputs, dict, dict, dict | None, Progress]:
        return self.inputs, self.scope, self.params, self.previous, self.progress


MAX_LISTED_CELLS = 5000  # cells returned with geometry; the flag lists hold every cell
MIN_INCIDENTS = {"hotspots": 30, "surges": 30, "forecast": 100, "links": 2}
NOTICE = (
    "Decision support only: statistical patterns in reported incidents, not findings about "
    "any person. A second person reviews every result before anyone acts on it."
)


def _truncated(shown: int, total: int) -> str:
    return (
        f"{total} cells qualify; the {shown} most significant or highest ranked are listed "
        f"with their geometry (all are in the flag list): narrow the area or use larger cells"
    )


def _geometry(grid: Grid, cell: int) -> dict:
    return {"type": "Polygon", "coordinates": [grid.polygon(cell)]}


def _grid_spec(grid: Grid) -> dict:
    return {
        "south": grid.south,
        "west": grid.west,
        "cell_m": grid.cell_m,
        "nx": grid.nx,
        "ny": grid.ny,
    }


def _grid(inputs: Inputs, scope: dict, cell_m: float) -> Grid:
    return grid_covering(inputs.lat, inputs.lon, cell_m, bbox=scope.get("area", {}).get("bbox"))


def _ids_by_unit(units: np.ndarray, wanted: set[int], ids: list[str]) -> dict[int, list[str]]:
    """Incident ids (sorted) behind each wanted unit (cell or group)."""
    out: dict[int, list[str]] = {u: [] for u in wanted}
    for k, unit in enumerate(units.tolist()):
        if unit in out:
            out[unit].append(ids[k])
    return out


def _flag_sets(current: set, previous: dict | None, key: str, same: bool) -> tuple | None:
    """This run's and the previous run's flagged units as integer sets (for flag persistence),
    when there is a previous run of the same question on the same units."""
    if previous is None or not same:
        return None
    prev = set(map(str, previous.get(key, [])))
    names = sorted(set(map(str, current)) | prev)
    index = {name: k for k, name in enumerate(names)}
    return {index[str(c)] for c in current}, {index[p] for p in prev}


def _checks(inputs: Inputs, flagged: np.ndarray, kind: str, flag_sets: tuple | None) -> dict:
    current, previous = flag_sets if flag_sets is not None else (None, None)
    return bias_checks(
        inputs.district,
        flagged,
        inputs.agency,
        inputs.district_names,
        inputs.agency_names,
        min_incidents=MIN_INCIDENTS[kind],
        current_flags=current,
        previous_flags=previous,
    )


def run_hotspots(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    if inputs.n == 0:
        return _empty("cells")
    grid = _grid(inputs, scope, params["cell_size_km"] * 1000.0)
    cells = grid.locate(inputs.lat, inputs.lon)
    counts = cell_counts(cells, grid.n_cells)
    progress(30)
    found = hotspots(counts, queen_weights(grid), fdr=params["fdr"])
    progress(70)
    significant = set(np.flatnonzero(found.significant).tolist())
    evidence = _ids_by_unit(cells, significant, inputs.ids)
    listed = np.flatnonzero((counts > 0) | found.significant)
    note = None
    if listed.size > MAX_LISTED_CELLS:  # significant cells first, then the busiest
        order = np.lexsort((listed, -counts[listed], ~found.significant[listed]))
        listed = np.sort(listed[order[:MAX_LISTED_CELLS]])
        note = _truncated(int(listed.size), int(((counts > 0) | found.significant).sum()))
    kinds = {1: "hot", -1: "cold"}
    rows = [
        {
            "id": int(c),
            "geometry": _geometry(grid, int(c)),
            "count": int(counts[c]),
            "z": float(found.z[c]),
            "p": float(found.p[c]),
            "q": float(found.q[c]),
            "significant": bool(found.significant[c]),
            "kind": kinds.get(int(found.kind[c])),
            "incidents": evidence.get(int(c), []),
        }
        for c in listed
    ]
    hot = set(np.flatnonzero(found.kind == 1).tolist())
    flagged = np.isin(cells, list(hot)) if hot else np.zeros(inputs.n, dtype=bool)
    spec = _grid_spec(grid)
    same = previous is not None and previous.get("grid") == spec
    checks = _checks(inputs, flagged, "hotspots", _flag_sets(hot, previous, "hot_cells", same))
    return {
        "cells": rows,
        "grid": spec,
        "hot_cells": sorted(hot),
        "parameters": {**params, "weights": "queen contiguity, cell included (Gi*)"},
        "evidence_note": "incidents are listed for significant cells",
        "bias_checks": checks,
        "warnings": [*checks["warnings"], *([note] if note else [])],
    }


def _period_index(t: np.ndarray, before: datetime, days: int, n_periods: int) -> np.ndarray:
    end = before.timestamp()
    back = np.floor((end - t) / (days * 86400.0)).astype(np.int64)  # 0: the tested period
    return n_periods - 1 - back


def run_surges(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    days = PERIODS[params["period"]]
    after = datetime.fromisoformat(scope["occurred_after"])
    before = datetime.fromisoformat(scope["occurred_before"])
    n_periods = int((before - after).total_seconds() // (days * 86400))
    if n_periods < 2:
        raise ValueError(f"the window holds {n_periods} whole {params['period']}s; at least 2")
    period = _period_index(inputs.t, before, days, n_periods)
    keep = period >= 0
    pairs = sorted(
        {
            (inputs.district_names[d], inputs.category_names[c])
            for d, c in zip(inputs.district[keep], inputs.category[keep], strict=True)
        }
    )
    index = {pair: k for k, pair in enumerate(pairs)}
    group = np.array(
        [
            index.get((inputs.district_names[d], inputs.category_names[c]), -1)
            for d, c in zip(inputs.district, inputs.category, strict=True)
        ],
        dtype=np.int64,
    )
    progress(30)
    found = surges(
        period[keep],
        group[keep],
        n_groups=len(pairs),
        n_periods=n_periods,
        baseline_periods=min(params["baseline_periods"], n_periods - 1),
        fdr=params["fdr"],
        min_observed=params["min_observed"],
    ).to_dict()
    progress(70)
    significant = {row["group"] for row in found["groups"] if row["significant"]}
    tested = np.where(period == n_periods - 1, group, -1)
    evidence = _ids_by_unit(tested, significant, inputs.ids)
    tested_start = (before - timedelta(days=days)).isoformat()
    rows = [
        {
            "district": pairs[row["group"]][0],
            "category": pairs[row["group"]][1],
            "period_start": tested_start,
            "observed": row["observed"],
            "expected": row["expected"],
            "baseline": row["baseline"],
            "distribution": row["distribution"],
            "p": row["p"],
            "q": row["q"],
            "significant": row["significant"],
            "incidents": evidence.get(row["group"], []),
        }
        for row in found["groups"]
    ]
    flagged = np.isin(tested, list(significant)) if significant else np.zeros(inputs.n, bool)
    keys = sorted(f"{pairs[g][0]}|{pairs[g][1]}" for g in significant)
    same = previous is not None
    checks = _checks(inputs, flagged, "surges", _flag_sets(set(keys), previous, "flagged", same))
    method = {k: v for k, v in found.items() if k not in ("groups", "warnings")}
    return {
        "surges": rows,
        "flagged": keys,
        "parameters": {**params, "method": method, "period_days": days},
        "bias_checks": checks,
        "warnings": [*found["warnings"], *checks["warnings"]],
    }


def run_forecast(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    start = datetime.combine(date_cls.fromisoformat(params["forecast_start"]), time(), UTC)
    days = PERIODS[params["period"]]
    if inputs.n == 0:
        return {
            **_empty("cells"),
            "forecast_start": params["forecast_start"],
            "period": params["period"],
            "model": None,
            "backtest": {},
        }
    grid = _grid(inputs, scope, params["cell_size_km"] * 1000.0)
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
    ).to_dict()
    progress(80)
    listed = found["cells"][:MAX_LISTED_CELLS]  # sorted by rank
    rows = [{"id": c["id"], "geometry": _geometry(grid, c["id"]), **c} for c in listed]
    if len(found["cells"]) > len(listed):
        found["warnings"].append(_truncated(len(listed), len(found["cells"])))
    flagged_cells = {c["id"] for c in found["cells"] if c["flagged"]}
    cells = grid.locate(inputs.lat, inputs.lon)
    flagged = np.isin(cells, list(flagged_cells)) if flagged_cells else np.zeros(inputs.n, bool)
    spec = _grid_spec(grid)
    same = previous is not None and previous.get("grid") == spec
    flag_sets = _flag_sets(flagged_cells, previous, "flagged_cells", same)
    checks = _checks(inputs, flagged, "forecast", flag_sets)
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
        "warnings": [*found["warnings"], *checks["warnings"]],
    }


def run_links(job: Job) -> dict:
    inputs, params, progress = job.inputs, job.params, job.progress
    if inputs.n < 2:
        return {"links": [], "parameters": params, "warnings": ["fewer than 2 incidents"]}
    frame = grid_covering(inputs.lat, inputs.lon, 1000.0)
    x, y = frame.xy(inputs.lat, inputs.lon)
    t_hours = (inputs.t - inputs.t.min()) / 3600.0
    progress(20)
    found = find_links(
        inputs.agency,
        x,
        y,
        t_hours,
        inputs.category,
        inputs.group,
        inputs.killed,
        inputs.injured,
        inputs.text,
        max_distance_m=params["max_distance_m"],
        max_hours=params["max_hours"],
        threshold=params["threshold"],
    )
    progress(80)
    rows = []
    for link in found:
        item = link.to_dict()
        i, j = item["i"], item["j"]
        rows.append(
            {
                "incidents": [inputs.ids[i], inputs.ids[j]],
                "agencies": [
                    inputs.agency_names[inputs.agency[i]],
                    inputs.agency_names[inputs.agency[j]],
                ],
                "score": item["score"],
                "reasons": item["reasons"],
                "components": item["components"],
            }
        )
    warnings = []
    if len(inputs.agency_names) < 2:
        warnings.append("the snapshot holds one agency's incidents: no cross-agency links")
    return {"links": rows, "parameters": params, "warnings": warnings}


def _empty(key: str) -> dict:
    return {
        key: [],
        "parameters": {},
        "bias_checks": None,
        "warnings": ["no incidents in the scope: nothing to analyse"],
    }


RUNNERS = {
    "hotspots": run_hotspots,
    "surges": run_surges,
    "forecast": run_forecast,
    "links": run_links,
}
