"""Shared by the runners: the job they get, limits, geometry, evidence and bias checks.

Each runner takes the snapshot (`Inputs`), the stored scope and parameters, the previous run
of the same question (for flag persistence) and a progress callback; it returns the result
with its evidence (incident ids behind each flag), parameters, bias checks and warnings.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np

from analytics.methods.bias import bias_checks
from analytics.methods.grid import Grid, grid_covering
from analytics.snapshot import PRECISIONS, Inputs

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


def subset(inputs: Inputs, keep: np.ndarray) -> Inputs:
    """The snapshot without the incidents `keep` leaves out (name lists stay whole)."""
    index = np.flatnonzero(keep)
    parts = {}
    for field in fields(inputs):
        value = getattr(inputs, field.name)
        if field.name.endswith("_names"):
            continue
        if isinstance(value, np.ndarray):
            parts[field.name] = value[index]
        else:
            parts[field.name] = [value[k] for k in index]
    return replace(inputs, **parts)


def exact_places(inputs: Inputs) -> tuple[Inputs, str | None]:
    """The incidents whose point is the event's place (location_precision "exact"), for the
    gridded methods, and a warning naming how many were left out: a town's, district's or
    province's centre is not where its event happened, and counted at that point it would make
    the centre a hotspot."""
    exact = inputs.precision == PRECISIONS.index("exact")
    if exact.all():
        return inputs, None
    left = np.bincount(inputs.precision[~exact], minlength=len(PRECISIONS))
    kinds = ", ".join(f"{n} {PRECISIONS[k]}" for k, n in enumerate(left) if n)
    note = (
        f"{int((~exact).sum())} incident(s) placed only at a town's, district's or province's "
        f"centre ({kinds}; location_precision) were left out: their points are not where the "
        "events happened"
    )
    return subset(inputs, exact), note


def with_note(result: dict, note: str | None) -> dict:
    """`result` with `note` first among its warnings (unchanged without one)."""
    if note:
        result["warnings"] = [note, *result["warnings"]]
    return result
