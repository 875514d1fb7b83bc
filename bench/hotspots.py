"""Hotspots: our Gi* against PySAL esda on the same grids, and the whole hotspot path on
100,000 and 1,000,000 incidents (time and peak memory). Prints figures; asserts nothing."""

import csv
import tracemalloc
import warnings

import numpy as np
from common import ROOT, median_ms

from analytics.methods.grid import cell_counts, grid_covering, queen_weights
from analytics.methods.hotspots import gi_star, hotspots

SF = ROOT.parent / "shared" / "data" / "sf-crime-2012h2.csv"
BALOCHISTAN = (60.8, 24.8, 70.3, 32.1)


def median_s(run, repeat: int = 5) -> float:
    return median_ms(run, repeat=repeat, warmup=1) / 1000.0


def esda_zs(counts, ny, nx):
    import esda
    from libpysal.weights import lat2W

    w = lat2W(ny, nx, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(counts, w, transform="B", star=True, permutations=0).Zs


def compare_with_esda() -> None:
    with SF.open(newline="") as handle:
        rows = {(r["incident_number"], r["category"]): r for r in csv.DictReader(handle)}
    lat = np.array([float(r["latitude"]) for r in rows.values()])
    lon = np.array([float(r["longitude"]) for r in rows.values()])
    cases = [("SF 250 m", grid_covering(lat, lon, 250.0), lat, lon)]
    rng = np.random.default_rng(1)
    big_lat, big_lon = rng.uniform(29.0, 31.9, 100_000), rng.uniform(66.0, 69.2, 100_000)
    cases.append(("synthetic 1 km", grid_covering(big_lat, big_lon, 1000.0), big_lat, big_lon))
    print("Gi* against esda.G_Local(star=True, permutations=0), same counts and weights")
    print(f"{'grid':<16}{'cells':>9}{'ours s':>10}{'esda s':>10}{'ratio':>8}{'max |dz|':>11}")
    for name, grid, la, lo in cases:
        counts = cell_counts(grid.locate(la, lo), grid.n_cells)
        ours_t = median_s(lambda g=grid, c=counts: gi_star(c, queen_weights(g)))
        theirs_t = median_s(lambda g=grid, c=counts: esda_zs(c, g.ny, g.nx), repeat=3)
        dz = np.max(np.abs(gi_star(counts, queen_weights(grid))[0] - esda_zs(counts, *grid.shape)))
        ratio = theirs_t / ours_t
        print(
            f"{name:<16}{grid.n_cells:>9}{ours_t:>10.4f}{theirs_t:>10.4f}{ratio:>7.1f}x{dz:>11.1e}"
        )
    print("(ours includes building the weights; esda includes libpysal's lat2W)")


def clustered(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = BALOCHISTAN
    centres = np.column_stack([rng.uniform(south, north, 60), rng.uniform(west, east, 60)])
    k = n // 2
    pick = rng.integers(0, 60, k)
    lat = np.concatenate(
        [centres[pick, 0] + rng.normal(0, 0.05, k), rng.uniform(south, north, n - k)]
    )
    lon = np.concatenate(
        [centres[pick, 1] + rng.normal(0, 0.05, k), rng.uniform(west, east, n - k)]
    )
    return np.clip(lat, south, north), np.clip(lon, west, east)


def hotspot_path(lat, lon, cell_m):
    grid = grid_covering(lat, lon, cell_m, BALOCHISTAN)
    counts = cell_counts(grid.locate(lat, lon), grid.n_cells)
    return grid, hotspots(counts, queen_weights(grid), fdr=0.05)


def scale() -> None:
    print("\nWhole hotspot path (grid, locate, counts, weights, Gi*, BH) over Balochistan")
    print(f"{'incidents':>10}{'cell':>7}{'cells':>10}{'median s':>10}{'peak MiB':>10}{'hot':>7}")
    rng = np.random.default_rng(7)
    for n in (100_000, 1_000_000):
        lat, lon = clustered(n, rng)
        for cell_m in (5000.0, 2000.0):
            seconds = median_s(lambda la=lat, lo=lon, c=cell_m: hotspot_path(la, lo, c), repeat=3)
            tracemalloc.start()
            grid, found = hotspot_path(lat, lon, cell_m)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{n:>10}{cell_m / 1000:>5.0f}km{grid.n_cells:>10}{seconds:>10.3f}"
                f"{peak / 2**20:>10.1f}{found.n_significant_hot:>7}"
            )
    print("(peak MiB: tracemalloc peak of Python-level allocations, numpy arrays included)")


if __name__ == "__main__":
    compare_with_esda()
    scale()
