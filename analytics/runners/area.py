"""The area a gridded run covers, decided the same way at request time and on the worker.

With `area.bbox` the grid covers the bbox. Without one it covers the incidents' extent, and a
few incidents far outside the rest (analytics.methods.cell_size.outliers: mis-geocoded ones,
typically) can stretch it over thousands of empty cells or past ASSESSMENT_MAX_CELLS. They are
kept by default (a run names them in a warning; a request whose grid exceeds the cap is refused
naming them) or, with `params.outliers: "trim"`, left out of the run and listed in its result.
`cell_size_km: "auto"` (hotspots) takes the suggestion of cell_size.suggest_cell_size over the
area covered. The decision depends only on the snapshot's positions, so the request's check and
the worker's run agree.
"""

from dataclasses import dataclass

import numpy as np

from analytics.methods.cell_size import bbox_area_km2, extent, outliers, suggest_cell_size
from analytics.methods.grid import cells_needed

AUTO = "auto"
MAX_NAMED = 50  # ids named in an error or a warning; the result lists every one


@dataclass(frozen=True)
class Area:
    """What a gridded run covers: its bbox, the incidents analysed (`keep`), the outliers'
    ids and whether they are trimmed, and the areas with and without them (km²)."""

    bbox: list[float] | None
    keep: np.ndarray
    outlier_ids: list[str]
    trimmed: bool
    area_km2: float
    area_without_km2: float | None

    def outlier_note(self, limit: int = MAX_NAMED) -> str:
        shown = ", ".join(self.outlier_ids[:limit])
        more = len(self.outlier_ids) - limit
        return shown + (f" and {more} more" if more > 0 else "")


def plan_area(ids: list[str], lat: np.ndarray, lon: np.ndarray, scope: dict, params: dict) -> Area:
    """The area of a run over these incidents (in any order: the result does not depend on it)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    bbox = scope.get("area", {}).get("bbox")
    keep = np.ones(lat.size, dtype=bool)
    if bbox is not None or lat.size == 0:
        area = bbox_area_km2(bbox) if bbox is not None else 0.0
        return Area(bbox, keep, [], False, area, None)
    far = outliers(lat, lon)
    outlier_ids = sorted(ids[k] for k in np.flatnonzero(far))
    trimmed = bool(far.any()) and params.get("outliers") == "trim"
    if trimmed:
        keep = ~far
    covered = extent(lat[keep], lon[keep])
    without = bbox_area_km2(extent(lat[~far], lon[~far])) if far.any() else None
    return Area(covered, keep, outlier_ids, trimmed, bbox_area_km2(covered), without)


def auto_cell_size(lat: np.ndarray, lon: np.ndarray, area: Area, max_cells: int) -> float:
    """The suggested cell side (km) for the incidents analysed over the area covered."""
    keep = area.keep
    return suggest_cell_size(lat[keep], lon[keep], area.bbox, max_cells=max_cells).cell_size_km


def check_grid(rows: list, scope: dict, params: dict, cap: int) -> dict:
    """At request time: resolve `cell_size_km: "auto"` in `params` (in place; `cell_size_auto`
    records that it was chosen) and return the errors of a grid above `cap` cells (empty when it
    fits). `rows` are (incident id, latitude, longitude) of the snapshot, needed without a bbox
    or with "auto"."""
    ids = [str(r[0]) for r in rows]
    lat = np.array([r[1] for r in rows], dtype=float)
    lon = np.array([r[2] for r in rows], dtype=float)
    area = plan_area(ids, lat, lon, scope, params)
    if params.get("cell_size_km") == AUTO:
        params["cell_size_km"] = auto_cell_size(lat, lon, area, cap) if lat.size else 1.0
        params["cell_size_auto"] = True
    if area.bbox is None:
        return {}
    cells = cells_needed(tuple(area.bbox), params["cell_size_km"] * 1000.0)
    if cells <= cap:
        return {}
    errors = {
        "params.cell_size_km": [
            f"The area needs {cells:,} cells, above the {cap:,} cap: use larger cells or a "
            "smaller area."
        ]
    }
    if area.outlier_ids and not area.trimmed:
        ways = "give area.bbox around the data"
        if "outliers" in params:
            ways += ' or set params.outliers to "trim" to leave them out'
        errors["area"] = [
            f"{len(area.outlier_ids)} incident(s) lie far outside the rest and stretch the extent "
            f"to {area.area_km2:,.0f} km² (without them {area.area_without_km2:,.0f} km²): "
            f"{area.outlier_note()}. Check their coordinates, or {ways}."
        ]
    return errors
