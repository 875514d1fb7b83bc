"""Shared by the runners: the job they get, limits, geometry, evidence and bias checks.

Each runner takes the snapshot (`Inputs`), the stored scope and parameters, the previous run
of the same question (for flag persistence) and a progress callback; it returns the result
with its evidence (incident ids behind each flag), parameters, bias checks and warnings.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analytics.methods.bias import bias_checks
from analytics.methods.grid import Grid, grid_covering
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


def truncated(shown: int, total: int) -> str:
    return (
        f"{total} cells qualify; the {shown} most significant or highest ranked are listed "
        f"with their geometry (all are in the flag list): narrow the area or use larger cells"
    )


def geometry(grid: Grid, cell: int) -> dict:
    return {"type": "Polygon", "coordinates": [grid.polygon(cell)]}


def grid_spec(grid: Grid) -> dict:
    return {
        "south": grid.south,
        "west": grid.west,
        "cell_m": grid.cell_m,
        "nx": grid.nx,
        "ny": grid.ny,
    }


def covering_grid(inputs: Inputs, scope: dict, cell_m: float) -> Grid:
    return grid_covering(inputs.lat, inputs.lon, cell_m, bbox=scope.get("area", {}).get("bbox"))


def ids_by_unit(units: np.ndarray, wanted: set[int], ids: list[str]) -> dict[int, list[str]]:
    """Incident ids (sorted) behind each wanted unit (cell or group)."""
    out: dict[int, list[str]] = {u: [] for u in wanted}
    for k, unit in enumerate(units.tolist()):
        if unit in out:
            out[unit].append(ids[k])
    return out


def persistence_sets(current: set, previous: dict | None, key: str, same: bool) -> tuple | None:
    """This run's and the previous run's flagged units as integer sets (for flag persistence),
    when there is a previous run of the same question on the same units."""
    if previous is None or not same:
        return None
    prev = set(map(str, previous.get(key, [])))
    names = sorted(set(map(str, current)) | prev)
    index = {name: k for k, name in enumerate(names)}
    return {index[str(c)] for c in current}, {index[p] for p in prev}


def bias_for(inputs: Inputs, flagged: np.ndarray, kind: str, flag_sets: tuple | None) -> dict:
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


def empty(key: str) -> dict:
    return {
        key: [],
        "parameters": {},
        "bias_checks": None,
        "warnings": ["no incidents in the scope: nothing to analyse"],
    }
