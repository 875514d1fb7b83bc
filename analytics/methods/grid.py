"""Square grids in metres over a small region, and their contiguity weights.

Positions are projected with a local equirectangular projection around the grid's centre
latitude (x = R·Δλ·cos φ₀, y = R·Δφ). Over a province or a city the area error stays within a
few per cent, which is far below the noise of incident coordinates. Pure numpy/scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

EARTH_RADIUS_M = 6_371_008.8
MAX_CELLS = 4_000_000


@dataclass(frozen=True)
class Grid:
    """A grid of `ny` rows by `nx` columns of `cell_m`-metre squares; cell id = row·nx + col."""

    south: float
    west: float
    cell_m: float
    nx: int
    ny: int
    ref_lat: float

    @property
    def n_cells(self) -> int:
        return self.nx * self.ny

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def _m_per_deg_lat(self) -> float:
        return math.radians(1.0) * EARTH_RADIUS_M

    @property
    def _m_per_deg_lon(self) -> float:
        return self._m_per_deg_lat * math.cos(math.radians(self.ref_lat))

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metres east and north of the grid's south-west corner."""
        x = (np.asarray(lon, dtype=float) - self.west) * self._m_per_deg_lon
        y = (np.asarray(lat, dtype=float) - self.south) * self._m_per_deg_lat
        return x, y

    def locate(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Cell id of each point, or -1 for points outside the grid."""
        x, y = self.xy(lat, lon)
        col = np.floor(x / self.cell_m).astype(np.int64)
        row = np.floor(y / self.cell_m).astype(np.int64)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return np.where(inside, row * self.nx + col, -1)

    def centres_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres in metres, indexed by cell id."""
        ids = np.arange(self.n_cells)
        return (ids % self.nx + 0.5) * self.cell_m, (ids // self.nx + 0.5) * self.cell_m

    def polygon(self, cell: int) -> list[list[float]]:
        """The cell's outline as a closed GeoJSON ring of [lon, lat] pairs."""
        row, col = divmod(int(cell), self.nx)
        dlat = self.cell_m / self._m_per_deg_lat
        dlon = self.cell_m / self._m_per_deg_lon
        s, w = self.south + row * dlat, self.west + col * dlon
        n, e = s + dlat, w + dlon
        ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
        return [[round(lon, 6), round(lat, 6)] for lon, lat in ring]


def grid_covering(
    lat: np.ndarray,
    lon: np.ndarray,
    cell_m: float,
    bbox: tuple[float, float, float, float] | None = None,
) -> Grid:
    """The smallest grid of `cell_m` squares covering `bbox` (min_lon, min_lat, max_lon, max_lat)
    or, without one, every point given."""
    if cell_m <= 0:
        raise ValueError("cell size must be positive")
    if bbox is None:
        lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        if lat.size == 0:
            raise ValueError("no points and no area: the grid is undefined")
        bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    nx, ny, ref_lat = _shape(bbox, cell_m)
    if nx * ny > MAX_CELLS:
        raise ValueError(f"{nx * ny} cells exceed the limit of {MAX_CELLS}: use larger cells")
    west, south, _, _ = bbox
    return Grid(south, west, float(cell_m), nx, ny, ref_lat)


def _shape(bbox: tuple[float, float, float, float], cell_m: float) -> tuple[int, int, float]:
    west, south, east, north = bbox
    if east < west or north < south:
        raise ValueError("bbox must be min_lon,min_lat,max_lon,max_lat")
    ref_lat = (south + north) / 2.0
    probe = Grid(south, west, cell_m, 1, 1, ref_lat)
    x, y = probe.xy(np.array([north]), np.array([east]))
    return math.floor(float(x[0]) / cell_m) + 1, math.floor(float(y[0]) / cell_m) + 1, ref_lat


def cells_needed(bbox: tuple[float, float, float, float], cell_m: float) -> int:
    """How many `cell_m` squares the grid covering `bbox` has (without building it)."""
    if cell_m <= 0:
        raise ValueError("cell size must be positive")
    nx, ny, _ = _shape(bbox, cell_m)
    return nx * ny


def cell_counts(cells: np.ndarray, n_cells: int) -> np.ndarray:
    """Number of points per cell (points with id -1 are dropped)."""
    cells = np.asarray(cells, dtype=np.int64)
    return np.bincount(cells[cells >= 0], minlength=n_cells).astype(float)


def queen_weights(grid: Grid, star: bool = True) -> sparse.csr_matrix:
    """Binary queen contiguity (the 8 surrounding cells); with `star` each cell is its own
    neighbour too, as Getis-Ord Gi* requires."""
    ny, nx = grid.shape
    rows, cols = np.divmod(np.arange(grid.n_cells), nx)
    src, dst = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0 and not star:
                continue
            r, c = rows + dr, cols + dc
            ok = (r >= 0) & (r < ny) & (c >= 0) & (c < nx)
            src.append(np.flatnonzero(ok))
            dst.append((r * nx + c)[ok])
    i, j = np.concatenate(src), np.concatenate(dst)
    data = np.ones(i.size)
    return sparse.csr_matrix((data, (i, j)), shape=(grid.n_cells, grid.n_cells))
