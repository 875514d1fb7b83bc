"""Gi* against PySAL's esda, planted clusters, and calibration on data with nothing to find."""

import csv
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analytics.methods.grid import cell_counts, grid_covering, queen_weights
from analytics.methods.hotspots import fdr_bh, gi_star, hotspots

SF = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sf-crime-2012h2.csv"


def esda_gi_star(counts: np.ndarray, ny: int, nx: int):
    """esda's Gi* with binary queen contiguity, the cell itself included."""
    import esda
    from libpysal.weights import lat2W

    w = lat2W(ny, nx, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = esda.G_Local(counts, w, transform="B", star=True, permutations=0)
    return found, w


def sf_counts(cell_m: float = 250.0):
    with SF.open(newline="") as handle:
        rows = {(r["incident_number"], r["category"]): r for r in csv.DictReader(handle)}
    lat = np.array([float(r["latitude"]) for r in rows.values()])
    lon = np.array([float(r["longitude"]) for r in rows.values()])
    grid = grid_covering(lat, lon, cell_m)
    return grid, cell_counts(grid.locate(lat, lon), grid.n_cells)


def test_the_weights_are_the_same_neighbourhoods_as_esda():
    grid = grid_covering(np.array([30.0, 30.1]), np.array([67.0, 67.15]), 2000.0)
    _, w = esda_gi_star(np.ones(grid.n_cells), grid.ny, grid.nx)
    ours = queen_weights(grid, star=True).toarray()
    theirs = w.sparse.toarray()
    np.fill_diagonal(theirs, 1.0)
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("source", ["sf-250m", "random"])
def test_z_scores_and_p_values_agree_with_esda(source):
    if source == "sf-250m":
        grid, counts = sf_counts()
    else:
        grid = grid_covering(np.array([30.0, 30.3]), np.array([67.0, 67.3]), 1000.0)
        counts = np.random.default_rng(3).poisson(2.0, grid.n_cells).astype(float)
    found, _ = esda_gi_star(counts, grid.ny, grid.nx)
    z, p = gi_star(counts, queen_weights(grid, star=True))
    assert grid.n_cells > 500
    assert np.max(np.abs(z - found.Zs)) < 1e-6
    # esda's p_norm is one-sided (sf of |z|); ours is two-sided
    assert np.max(np.abs(p - 2 * found.p_norm)) < 1e-6


def test_a_planted_cluster_is_found_and_little_else():
    rng = np.random.default_rng(11)
    grid = grid_covering(np.array([30.0, 30.35]), np.array([67.0, 67.41]), 1000.0)
    ny, nx = grid.shape
    rate = np.full((ny, nx), 1.0)
    rate[18:21, 18:21] = 6.0  # a 3x3 block at six times the background
    counts = rng.poisson(rate).ravel().astype(float)
    found = hotspots(counts, queen_weights(grid), fdr=0.05)
    block = np.zeros((ny, nx), dtype=bool)
    block[18:21, 18:21] = True
    near = np.zeros((ny, nx), dtype=bool)
    near[17:22, 17:22] = True
    hot = (found.kind == 1).reshape(ny, nx)
    assert hot[block].all()
    assert hot[~near].sum() <= 2
    assert found.n_significant_hot == int(hot.sum())


def test_uniform_random_data_flags_cells_at_no_more_than_the_stated_rate():
    # BH controls the family-wise rate at `fdr` when nothing is there to find
    rng = np.random.default_rng(2026)
    grid = grid_covering(np.array([30.0, 30.26]), np.array([67.0, 67.31]), 1000.0)
    weights = queen_weights(grid)
    runs, fdr = 200, 0.05
    any_flag = sum(
        hotspots(rng.poisson(3.0, grid.n_cells).astype(float), weights, fdr).significant.any()
        for _ in range(runs)
    )
    bound = stats.binom.ppf(0.999, runs, fdr)
    assert any_flag <= bound, (any_flag, bound)


def test_fdr_bh_matches_scipy():
    p = np.random.default_rng(5).uniform(size=300) ** 3
    assert np.allclose(fdr_bh(p), stats.false_discovery_control(p, method="bh"))


def test_degenerate_inputs():
    grid = grid_covering(np.array([30.0, 30.05]), np.array([67.0, 67.05]), 1000.0)
    weights = queen_weights(grid)
    flat = hotspots(np.zeros(grid.n_cells), weights)
    assert not flat.significant.any()
    assert np.all(flat.z == 0)
    assert np.all(flat.p == 1)
    single = grid_covering(np.array([30.0]), np.array([67.0]), 1000.0)
    assert hotspots(np.array([5.0]), queen_weights(single)).p.tolist() == [1.0]
    with pytest.raises(ValueError, match="weights"):
        gi_star(np.zeros(3), weights)
    with pytest.raises(ValueError, match="fdr"):
        hotspots(np.zeros(grid.n_cells), weights, fdr=1.5)
    with pytest.raises(ValueError, match="p must"):
        fdr_bh(np.array([0.5, 1.5]))


def test_a_cell_with_no_incident_of_its_own_is_never_flagged_hot():
    # sparse province-wide data: 500 incidents over 300 x 300 km at 1 km, three clusters
    rng = np.random.default_rng(7)
    x = np.r_[rng.uniform(0, 300, 380), *(c + rng.normal(0, 1.0, 40) for c in (60, 150, 240))]
    y = np.r_[rng.uniform(0, 300, 380), *(c + rng.normal(0, 1.0, 40) for c in (80, 200, 120))]
    lat, lon = 28.0 + y / 111.195, 65.0 + x / (111.195 * np.cos(np.radians(29.35)))
    grid = grid_covering(lat, lon, 1000.0)
    counts = cell_counts(grid.locate(lat, lon), grid.n_cells)
    weights = queen_weights(grid)
    before = hotspots(counts, weights, min_hot_count=0)
    after = hotspots(counts, weights)
    empty_hot = (before.kind == 1) & (counts == 0)
    assert empty_hot.sum() > 1000  # what Gi* alone flags here: empty cells next to a few
    assert not ((after.kind == 1) & (counts == 0)).any()
    # the rule only removes hot flags: z, p, q, cold flags and occupied hot cells are unchanged
    assert np.array_equal(after.q, before.q)
    assert np.array_equal(after.kind == -1, before.kind == -1)
    assert np.array_equal(after.kind == 1, (before.kind == 1) & (counts > 0))
    assert not after.significant[empty_hot].any()
    with pytest.raises(ValueError, match="min_hot_count"):
        hotspots(counts, weights, min_hot_count=-1)
