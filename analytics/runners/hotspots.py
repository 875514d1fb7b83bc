"""Hotspots runner: Gi* over a grid of the snapshot, with evidence and bias checks."""

import numpy as np

from analytics.methods.grid import cell_counts, queen_weights
from analytics.methods.hotspots import hotspots
from analytics.runners.common import (
    MAX_LISTED_CELLS,
    Job,
    bias_for,
    covering_grid,
    empty,
    geometry,
    grid_spec,
    ids_by_unit,
    persistence_sets,
    truncated,
)


def run_hotspots(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    if inputs.n == 0:
        return empty("cells")
    grid = covering_grid(inputs, scope, params["cell_size_km"] * 1000.0)
    cells = grid.locate(inputs.lat, inputs.lon)
    counts = cell_counts(cells, grid.n_cells)
    progress(30)
    found = hotspots(counts, queen_weights(grid), fdr=params["fdr"])
    progress(70)
    significant = set(np.flatnonzero(found.significant).tolist())
    evidence = ids_by_unit(cells, significant, inputs.ids)
    listed = np.flatnonzero((counts > 0) | found.significant)
    note = None
    if listed.size > MAX_LISTED_CELLS:  # significant cells first, then the busiest
        order = np.lexsort((listed, -counts[listed], ~found.significant[listed]))
        listed = np.sort(listed[order[:MAX_LISTED_CELLS]])
        note = truncated(int(listed.size), int(((counts > 0) | found.significant).sum()))
    kinds = {1: "hot", -1: "cold"}
    rows = [
        {
            "id": int(c),
            "geometry": geometry(grid, int(c)),
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
    spec = grid_spec(grid)
    same = previous is not None and previous.get("grid") == spec
    checks = bias_for(
        inputs, flagged, "hotspots", persistence_sets(hot, previous, "hot_cells", same)
    )
    return {
        "cells": rows,
        "grid": spec,
        "hot_cells": sorted(hot),
        "parameters": {**params, "weights": "queen contiguity, cell included (Gi*)"},
        "evidence_note": "incidents are listed for significant cells",
        "bias_checks": checks,
        "warnings": [*checks["warnings"], *([note] if note else [])],
    }
