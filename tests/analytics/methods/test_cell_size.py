"""Cell-size suggestion, sparse-data measure and outliers (analytics.methods.cell_size)."""

import math

import numpy as np
import pytest

from analytics.methods.cell_size import (
    bbox_area_km2,
    extent,
    mean_nn_km,
    nice_up,
    outliers,
    sparsity,
    suggest_cell_size,
)
from analytics.methods.grid import cell_counts, grid_covering

KM_LAT = 111.195


def province(seed: int = 7, n: int = 500, side_km: float = 300.0):
    """`n` incidents uniform over a side_km square whose south-west corner is 28 N, 65 E."""
    rng = np.random.default_rng(seed)
    lat = 28.0 + rng.uniform(0, side_km, n) / KM_LAT
    lon = 65.0 + rng.uniform(0, side_km, n) / (KM_LAT * math.cos(math.radians(29.35)))
    return lat, lon


def test_the_suggestion_follows_the_neighbourhood_bound_and_clears_the_warning():
    lat, lon = province()
    bbox = extent(lat, lon)
    area = bbox_area_km2(bbox)
    found = suggest_cell_size(lat, lon, bbox)
    exact = math.sqrt(5 * area / (9 * lat.size))  # 9 n s² / A = 5
    assert 9.5 < exact < 10.5
    assert exact <= found.cell_size_km <= exact * 1.15
    assert found.expected_nn_km == pytest.approx(0.5 / math.sqrt(lat.size / area))
    assert 0.8 < found.clark_evans_r < 1.2  # random points: R near 1
    # the suggested grid is not sparse; the default 1 km grid is, by far
    for km, sparse in ((found.cell_size_km, False), (1.0, True)):
        grid = grid_covering(lat, lon, km * 1000.0)
        density = sparsity(cell_counts(grid.locate(lat, lon), grid.n_cells))
        assert density.sparse is sparse, (km, density)
    grid = grid_covering(lat, lon, 1000.0)
    density = sparsity(cell_counts(grid.locate(lat, lon), grid.n_cells))
    assert density.expected_per_neighbourhood < 0.06
    assert density.nonempty_share < 0.006


def test_the_suggestion_grows_with_sparser_data_and_respects_bounds_and_the_cell_cap():
    lat, lon = province()
    bbox = extent(lat, lon)
    dense = suggest_cell_size(lat, lon, bbox).cell_size_km
    sparse = suggest_cell_size(lat[:50], lon[:50], bbox).cell_size_km
    assert sparse == pytest.approx(dense * math.sqrt(10), rel=0.15)
    assert suggest_cell_size(lat[:2], lon[:2], bbox).cell_size_km == 50.0  # the ceiling
    one = suggest_cell_size(lat[:1], lon[:1], extent(lat[:1], lon[:1]))
    assert one.cell_size_km == 0.05
    assert one.observed_nn_km is None
    capped = suggest_cell_size(lat, lon, bbox, max_cells=100)
    assert capped.cell_size_km >= math.sqrt(bbox_area_km2(bbox) / 100)
    with pytest.raises(ValueError, match="no incidents"):
        suggest_cell_size(lat[:0], lon[:0], bbox)


def test_nice_sizes_and_nearest_neighbours():
    assert [nice_up(v) for v in (0.37, 1.0, 2.35, 9.96, 13.2)] == [0.37, 1.0, 2.4, 10.0, 14.0]
    lat = np.array([30.0, 30.0, 30.0])
    lon = np.array([67.0, 67.0 + 1 / (KM_LAT * math.cos(math.radians(30))), 67.05])
    # nearest others: 1 km, 1 km, and the third about 3.8 km from the second
    assert mean_nn_km(lat, lon) == pytest.approx((1 + 1 + (0.05 * 96.3 - 1)) / 3, rel=0.01)


def test_a_handful_of_mis_geocoded_incidents_are_found_and_only_they():
    lat, lon = province()
    bad_lat = np.array([0.0, 67.1, 36.4])  # 0,0; latitude and longitude swapped; 30 typed as 36
    bad_lon = np.array([0.0, 29.9, 66.0])
    far = outliers(np.concatenate([lat, bad_lat]), np.concatenate([lon, bad_lon]))
    assert np.flatnonzero(far).tolist() == [500, 501, 502]
    assert not outliers(lat, lon).any()


def test_distant_groups_that_are_part_of_the_data_are_not_outliers():
    lat, lon = province(n=40, side_km=2.0)
    # two groups of 20, 600 km apart
    assert not outliers(np.r_[lat[:20], lat[20:] - 5], np.r_[lon[:20], lon[20:] - 4]).any()
    # a distant group of 5% of the data: more than a handful, so not outliers
    lat, lon = province(n=400, side_km=50.0)
    lat[:20] -= 5.0
    assert not outliers(lat, lon).any()
    # but 3 of them are
    lat, lon = province(n=400, side_km=50.0)
    lat[:3] -= 5.0
    assert np.flatnonzero(outliers(lat, lon)).tolist() == [0, 1, 2]
    # a tight cluster does not make its own surroundings outliers
    lat = np.r_[np.full(50, 30.2), 30.2 + 0.01]  # one incident 1.1 km away
    assert not outliers(lat, np.full(51, 67.0)).any()
