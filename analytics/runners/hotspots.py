"""Hotspots runner: Gi* over a grid of the snapshot, with evidence and bias checks.

The grid covers the bbox, or else the incidents' extent (analytics.runners.area: incidents far
outside the rest are named in a warning, or left out with `outliers: "trim"` and listed under
`outliers`). The result carries `cell_size_suggestion_km` (analytics.methods.cell_size) and,
when the expected count per Gi* neighbourhood is below 5, a sparse-data warning naming it.
"""

import numpy as np

from analytics.methods.cell_size import MIN_EXPECTED_PER_NEIGHBOURHOOD, sparsity, suggest_cell_size
from analytics.methods.grid import cell_counts, grid_covering, queen_weights
from analytics.methods.hotspots import hotspots
from analytics.runners.area import Area, plan_area
from analytics.runners.common import (
    MAX_LISTED_CELLS,
    Job,
    bias_for,
    empty,
    exact_places,
    geometry,
    grid_spec,
    ids_by_unit,
    persistence_sets,
    subset,
    truncated,
    with_note,
)


def outlier_warning(area: Area) -> str | None:
    if not area.outlier_ids:
        return None
    if area.trimmed:
        return (
            f"{len(area.outlier_ids)} incident(s) far outside the rest were left out "
            f"(outliers: trim), see outliers: {area.outlier_note()}"
        )
    return (
        f"{len(area.outlier_ids)} incident(s) lie far outside the rest and stretch the grid to "
        f"{area.area_km2:,.0f} km² (without them {area.area_without_km2:,.0f} km²), lowering the "
        f"study-area mean every cell is compared with: {area.outlier_note()}; check their "
        'coordinates, give area.bbox, or set params.outliers to "trim"'
    )


def sparse_warning(expected: float, cell_km: float, suggested_km: float) -> str:
    return (
        f"sparse data: {expected:.2f} incidents expected per Gi* neighbourhood (3x3 cells) at "
        f"{cell_km:g} km cells, below {MIN_EXPECTED_PER_NEIGHBOURHOOD:g}; the normal "
        "approximation behind z and p is poor and empty or near-empty places are flagged too "
        f"often: use cells of about {suggested_km:g} km (cell_size_km {suggested_km:g} or "
        '"auto")'
    )


def run_hotspots(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    inputs, imprecise = exact_places(inputs)
    if inputs.n == 0:
        return with_note(empty("cells"), imprecise)
    area = plan_area(inputs.ids, inputs.lat, inputs.lon, scope, params)
    if area.trimmed:
        inputs = subset(inputs, area.keep)
    cell_km = params["cell_size_km"]
    grid = grid_covering(inputs.lat, inputs.lon, cell_km * 1000.0, bbox=area.bbox)
    cells = grid.locate(inputs.lat, inputs.lon)
    counts = cell_counts(cells, grid.n_cells)
    suggestion = suggest_cell_size(inputs.lat, inputs.lon, area.bbox)
    density = sparsity(counts)
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
    warnings = [w for w in (imprecise, outlier_warning(area)) if w]
    if density.sparse:
        warnings.append(
            sparse_warning(density.expected_per_neighbourhood, cell_km, suggestion.cell_size_km)
        )
    return {
        "cells": rows,
        "grid": spec,
        "hot_cells": sorted(hot),
        "cell_size_suggestion_km": suggestion.cell_size_km,
        "density": {
            "expected_per_neighbourhood": round(density.expected_per_neighbourhood, 4),
            "nonempty_cell_share": round(density.nonempty_share, 6),
            **suggestion.as_dict(),
        },
        "outliers": {"ids": area.outlier_ids, "trimmed": area.trimmed},
        "parameters": {
            **params,
            "weights": "queen contiguity, cell included (Gi*)",
            "hot_cells_hold_an_incident": True,
        },
        "evidence_note": "incidents are listed for significant cells",
        "bias_checks": checks,
        "warnings": [*warnings, *checks["warnings"], *([note] if note else [])],
    }
