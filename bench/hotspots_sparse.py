"""Hotspots on sparse data: how often Gi* + BH flags anything on Poisson counts of a small mean,
how many cells (and empty cells) it flags on a province-wide sparse simulation at several cell
sizes, with and without the rule that a hot cell must hold an incident, what cell size
cell_size.py suggests, and which incidents its outlier rule picks. Prints figures; asserts
nothing. No database: run with the project's virtualenv, `../.venv/bin/python
hotspots_sparse.py`."""

import numpy as np
from common import ROOT  # noqa: F401 - puts the project on sys.path

from analytics.methods.cell_size import (
    bbox_area_km2,
    extent,
    mean_nn_km,
    outliers,
    sparsity,
    suggest_cell_size,
)
from analytics.methods.grid import cell_counts, grid_covering, queen_weights
from analytics.methods.hotspots import hotspots

KM_LAT = 111.195
LAT0, LON0 = 28.0, 65.0
CENTRES = [(60.0, 80.0), (150.0, 200.0), (240.0, 120.0)]


def calibration(runs: int = 200) -> None:
    rng = np.random.default_rng(1)
    grid = grid_covering(np.array([30.0, 30.26]), np.array([67.0, 67.31]), 1000.0)
    weights = queen_weights(grid)
    print(f"Poisson counts on {grid.n_cells} cells, {runs} runs, fdr 0.05 (nominal <= 5%)")
    for mean in (0.005, 0.05, 0.1, 0.2, 0.5, 1.0, 3.0):
        hit = sum(
            hotspots(rng.poisson(mean, grid.n_cells).astype(float), weights).significant.any()
            for _ in range(runs)
        )
        print(f"  mean {mean:>5}: runs flagging any cell {hit / runs:.0%}")


def province(rng, clustered_share: float):
    """500 incidents over 300 x 300 km: a share in three clusters (sd 1 km), the rest uniform."""
    n_cluster = round(500 * clustered_share / 3)
    n_back = 500 - 3 * n_cluster
    xs, ys = [rng.uniform(0, 300, n_back)], [rng.uniform(0, 300, n_back)]
    for cx, cy in CENTRES:
        xs.append(cx + rng.normal(0, 1.0, n_cluster))
        ys.append(cy + rng.normal(0, 1.0, n_cluster))
    x, y = np.concatenate(xs), np.concatenate(ys)
    kx = KM_LAT * np.cos(np.radians(LAT0 + 1.35))
    return LAT0 + y / KM_LAT, LON0 + x / kx


def sizes(lat, lon, label: str) -> None:
    suggestion = suggest_cell_size(lat, lon, extent(lat, lon))
    print(f"{label}: suggestion {suggestion.as_dict()}")
    kx = KM_LAT * np.cos(np.radians(LAT0 + 1.35))
    for km in (1, 2, 3, 5, 8, 10, 15, 20):
        grid = grid_covering(lat, lon, km * 1000.0)
        counts = cell_counts(grid.locate(lat, lon), grid.n_cells)
        cx, cy = grid.centres_xy()
        ox = (grid.west - LON0) * kx
        oy = (grid.south - LAT0) * KM_LAT
        near = np.zeros(grid.n_cells, dtype=bool)
        for x0, y0 in CENTRES:
            near |= np.hypot(cx / 1000 + ox - x0, cy / 1000 + oy - y0) <= 2 * km + 4
        weights = queen_weights(grid)
        before = hotspots(counts, weights, min_hot_count=0).kind == 1
        after = hotspots(counts, weights).kind == 1
        dense = sparsity(counts)
        print(
            f"  {km:>2} km: {grid.n_cells:>6} cells, expected per neighbourhood "
            f"{dense.expected_per_neighbourhood:.2f}, hot {before.sum():>5} "
            f"(empty {(before & (counts == 0)).sum():>5}, away from clusters "
            f"{(before & ~near).sum():>5}); a hot cell must hold one: hot {after.sum():>4} "
            f"(away {(after & ~near).sum():>4})"
        )


def outlier_cases() -> None:
    rng = np.random.default_rng(5)
    lat, lon = province(rng, 0.3)
    bad_lat = np.array([0.0, 67.1, 36.4])  # a default 0,0; lat/lon swapped; 30 typed as 36
    bad_lon = np.array([0.0, 29.9, 66.0])
    lat2, lon2 = np.concatenate([lat, bad_lat]), np.concatenate([lon, bad_lon])
    found = np.flatnonzero(outliers(lat2, lon2))
    print(f"outliers among 500 + 3 mis-geocoded: indices {found.tolist()} (planted 500-502)")
    km2_all = bbox_area_km2(extent(lat2, lon2))
    keep = ~outliers(lat2, lon2)
    km2_kept = bbox_area_km2(extent(lat2[keep], lon2[keep]))
    print(f"  extent {km2_all:,.0f} km² with them, {km2_kept:,.0f} km² without")
    two = np.concatenate([lat[:20], lat[:20] - 5.0]), np.concatenate([lon[:20], lon[:20] - 4.0])
    print(f"two groups of 20, 600 km apart: outliers {int(outliers(*two).sum())}")


def main() -> None:
    calibration()
    rng = np.random.default_rng(7)
    for share in (0.24, 0.0, 0.9):
        lat, lon = province(rng, share)
        sizes(lat, lon, f"province, {share:.0%} in three clusters")
        print(f"  mean nearest-neighbour distance {mean_nn_km(lat, lon):.2f} km")
    outlier_cases()


if __name__ == "__main__":
    main()
