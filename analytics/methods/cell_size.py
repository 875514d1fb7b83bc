"""How coarse a hotspot grid must be for its data, and which incidents lie far outside the rest.

Sparse data. Gi* (see hotspots.py) refers each cell's neighbourhood sum to the study area's
mean and standard deviation and reads the z-score against the normal distribution. When the
mean count per cell is tiny the neighbourhood sum is a small Poisson-like count, strongly
skewed, and the normal tail is far too thin: two incidents in one 3x3 neighbourhood of a grid
whose mean is 0.006 give z ≈ 8.7. Ord & Getis (1995) note that the normal approximation needs
enough neighbours and a not too skewed distribution; the usual rule for counts (an expected
count of at least about 5 before a normal approximation is trusted, Cochran 1954) gives the
bound used here: the expected count in a Gi* neighbourhood (the cell and its 8 queen
neighbours, 9 cells), 9 n / N for n incidents over N cells, should reach
`MIN_EXPECTED_PER_NEIGHBOURHOOD` = 5, i.e. a mean of 5/9 ≈ 0.56 per cell. Below it a result
carries a sparse-data warning.

Measured (bench/hotspots_sparse.py, Poisson counts on 870 cells of 1 km, 200 runs, BH at
fdr 0.05, where at most 5% of runs should flag anything): a mean per cell of 0.005, 0.05, 0.1,
0.2, 0.5, 1 and 3 flags at least one cell in 98%, 68%, 50%, 43%, 18%, 12% and 14% of runs
(the normal tail stays a little thin even at 3). On a province-wide simulation (500 incidents
over 300 x 300 km, three clusters of 40 with a 1 km spread, the rest uniform) 1 km cells, an
expected 0.05 per neighbourhood, flag 3,479 cells hot, 3,051 of them empty and 3,336 more than
6 km from any cluster; 3 km cells (0.45) 34, 5 km (1.25) 27, and the suggested 10 km cells
(5.0) 27, none away from the clusters. Without clusters (500 uniform incidents) 1 km cells flag
4,350 cells, 3 km 83, 5 km 7, 8 km and coarser none.

Cell-size suggestion. Clark & Evans (1954): n points spread at random over an area A have a
mean nearest-neighbour distance r_E = 0.5 / sqrt(n / A). A cell of side s holds n s^2 / A
incidents on average, so the neighbourhood bound 9 n s^2 / A >= 5 gives

    s = sqrt(5 A / (9 n)) = (2 sqrt(5) / 3) r_E ≈ 1.49 r_E,

the smallest cell at which the expected Gi* neighbourhood count reaches 5. A is the area the
grid covers (the requested bbox, or else the extent of the incidents). s is rounded up to a
size a reader can repeat (1.4, 2.4, 10, 14 km) and raised a step while the grid's whole cells,
which overhang the area by up to one cell, still leave the mean below the bound, so the
suggested size never draws the sparse-data warning itself (short of the 50 km ceiling).
The observed mean nearest-neighbour distance r_O and the Clark-Evans ratio R = r_O / r_E
(below 1: clustered) are reported beside it. The observed r_O is not used for the size itself:
clustered data have a small r_O, and k r_O cells keep the study-area mean below the bound, so
the warning would stand at the suggested size (on the simulation above r_O = 6.1 km, r_E =
6.7 km, R = 0.91; with nine in ten incidents in the clusters r_O = 2.4 km, R = 0.37, while r_E
and the suggested 10 km hardly move).

Outliers. Without a bbox the grid covers every incident; a few mis-geocoded ones (a default
0,0, swapped or mistyped coordinates) stretch it over hundreds of kilometres of empty cells.
Positions are projected to kilometres about their median (equirectangular), and on each axis
a point is an outlier when it lies beyond Tukey's "far out" fences, Q1 - 3 IQR or Q3 + 3 IQR
(Tukey 1977), the IQR taken as at least `MIN_IQR_KM` so that a tight cluster does not make its
own surroundings outliers. Outliers are meant to be a handful: when more than
max(`MAX_OUTLIERS_MIN`, 1% of n) points fall outside the fences they are taken as part of the
data (a real, distant group) and none is returned. Two groups of similar size far apart are
not outliers either (the IQR spans both). A real group of a few per cent far from the rest and
a mis-geocoded point beyond it are then both kept: that is stated as a limitation. Measured
(bench/hotspots_sparse.py): three planted mis-geocoded points (0,0; latitude and longitude
swapped; 30 typed as 36) among 500 province-wide incidents are exactly the ones found, and
leaving them out shrinks the extent from 47,081,796 km² to 89,685 km²; two groups of 20
incidents 600 km apart give none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from analytics.methods.grid import cells_needed

KM_PER_DEG = math.radians(1.0) * 6371.0088
MIN_EXPECTED_PER_NEIGHBOURHOOD = 5.0
NEIGHBOURHOOD_CELLS = 9  # Gi* with queen contiguity: the cell and its 8 neighbours
TUKEY_FAR = 3.0
MIN_IQR_KM = 1.0
MAX_OUTLIERS_MIN = 3
MAX_OUTLIER_SHARE = 0.01


@dataclass(frozen=True)
class Sparsity:
    """The data's density against a grid: incidents, cells, the expected count per Gi*
    neighbourhood, the share of non-empty cells and whether it is below the bound."""

    incidents: int
    cells: int
    expected_per_neighbourhood: float
    nonempty_share: float

    @property
    def sparse(self) -> bool:
        return self.expected_per_neighbourhood < MIN_EXPECTED_PER_NEIGHBOURHOOD


@dataclass(frozen=True)
class Suggestion:
    """A cell side (km) from the area rule above, with the nearest-neighbour figures."""

    cell_size_km: float
    area_km2: float
    expected_nn_km: float  # r_E, Clark & Evans, for n random points over the area
    observed_nn_km: float | None  # r_O, mean distance to the nearest other incident
    clark_evans_r: float | None  # r_O / r_E

    def as_dict(self) -> dict:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "cell_size_km": self.cell_size_km,
            "area_km2": round(self.area_km2, 3),
            "expected_nn_km": rounded(self.expected_nn_km),
            "observed_nn_km": rounded(self.observed_nn_km),
            "clark_evans_r": rounded(self.clark_evans_r),
        }


def sparsity(counts: np.ndarray) -> Sparsity:
    """How sparse `counts` (one per grid cell) are for Gi*."""
    counts = np.asarray(counts, dtype=float)
    cells = int(counts.size)
    total = float(counts.sum())
    per_cell = total / cells if cells else 0.0
    nonempty = float((counts > 0).mean()) if cells else 0.0
    return Sparsity(int(total), cells, NEIGHBOURHOOD_CELLS * per_cell, nonempty)


def project_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kilometres east and north of the points' median position (equirectangular)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if lat.size == 0:
        return lat.copy(), lon.copy()
    lat0, lon0 = float(np.median(lat)), float(np.median(lon))
    x = (lon - lon0) * KM_PER_DEG * math.cos(math.radians(lat0))
    return x, (lat - lat0) * KM_PER_DEG


def bbox_area_km2(bbox: tuple[float, float, float, float] | list[float]) -> float:
    """Area of a min_lon, min_lat, max_lon, max_lat box, projected at its middle latitude."""
    west, south, east, north = (float(v) for v in bbox)
    mid = math.radians((south + north) / 2.0)
    return max(east - west, 0.0) * KM_PER_DEG * math.cos(mid) * max(north - south, 0.0) * KM_PER_DEG


def extent(lat: np.ndarray, lon: np.ndarray) -> list[float]:
    """The points' bounding box, [min_lon, min_lat, max_lon, max_lat]."""
    return [float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))]


def mean_nn_km(lat: np.ndarray, lon: np.ndarray) -> float | None:
    """Mean distance (km) from each incident to its nearest other one; None below 2 points."""
    x, y = project_km(lat, lon)
    if x.size < 2:
        return None
    points = np.column_stack([x, y])
    distance, _ = cKDTree(points).query(points, k=2)
    return float(distance[:, 1].mean())


def nice_up(km: float) -> float:
    """`km` rounded up to a step of 1, 2 or 5 times a power of ten, over the tenths (0.37 ->
    0.4, 2.35 -> 2.4, 13.2 -> 14): a size a reader can repeat."""
    if km <= 0 or not math.isfinite(km):
        raise ValueError("cell size must be positive and finite")
    step = 10.0 ** math.floor(math.log10(km)) / 10.0
    return round(math.ceil(km / step - 1e-9) * step, 10)


def suggest_cell_size(
    lat: np.ndarray,
    lon: np.ndarray,
    bbox: tuple[float, float, float, float] | list[float],
    *,
    low_km: float = 0.05,
    high_km: float = 50.0,
    max_cells: int | None = None,
) -> Suggestion:
    """The smallest cell side at which the incidents put an expected
    MIN_EXPECTED_PER_NEIGHBOURHOOD in a Gi* neighbourhood of the grid covering `bbox`: from
    s = sqrt(5 A / (9 n)), rounded up (`nice_up`), then raised a step at a time while the grid's
    whole cells (it overhangs the bbox by up to a cell) still leave the mean below the bound;
    held within [low_km, high_km] and at least sqrt(A / max_cells) if given."""
    n = int(np.asarray(lat).size)
    if n == 0:
        raise ValueError("no incidents: no cell size to suggest")
    area = max(bbox_area_km2(bbox), low_km * low_km)
    side = math.sqrt(MIN_EXPECTED_PER_NEIGHBOURHOOD * area / (NEIGHBOURHOOD_CELLS * n))
    if max_cells:
        side = max(side, math.sqrt(area / max_cells) * 1.01)
    side = nice_up(max(side, low_km))
    while side < high_km:
        cells = cells_needed(tuple(bbox), side * 1000.0)
        fits = max_cells is None or cells <= max_cells
        if fits and NEIGHBOURHOOD_CELLS * n >= MIN_EXPECTED_PER_NEIGHBOURHOOD * cells:
            break
        side = nice_up(side + 10.0 ** math.floor(math.log10(side)) / 10.0)
    side = min(side, high_km)
    expected_nn = 0.5 / math.sqrt(n / area)
    observed = mean_nn_km(lat, lon)
    ratio = None if observed is None else observed / expected_nn
    return Suggestion(side, area, expected_nn, observed, ratio)


def outliers(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Mask of the incidents far outside the bulk of the others (see the module text): beyond
    Q1 - 3 IQR or Q3 + 3 IQR on either projected axis, and no more than max(3, 1% of n) of
    them; otherwise none."""
    x, y = project_km(lat, lon)
    out = np.zeros(x.size, dtype=bool)
    if x.size < 4:
        return out
    for v in (x, y):
        q1, q3 = np.percentile(v, [25.0, 75.0])
        iqr = max(float(q3 - q1), MIN_IQR_KM)
        out |= (v < q1 - TUKEY_FAR * iqr) | (v > q3 + TUKEY_FAR * iqr)
    if out.sum() > max(MAX_OUTLIERS_MIN, math.floor(MAX_OUTLIER_SHARE * x.size)):
        return np.zeros(x.size, dtype=bool)
    return out
