"""Hotspots calibration: false alarms on uniform Poisson counts, detection of a planted cluster."""

from collections.abc import Callable

import numpy as np

from analytics.backtests.common import FDR, rate, record
from analytics.choices import Kind
from analytics.methods.grid import Grid, queen_weights
from analytics.methods.hotspots import hotspots
from analytics.models import BacktestRun

CLUSTER_RATE = 4.0  # planted: a 3x3 block at this multiple of the background rate


def hotspots_calibration(runs: int, tick: Callable[[], None], seed: int = 7) -> BacktestRun:
    """Runs flagging any cell on uniform counts; runs finding a planted 3x3 cluster."""
    rng = np.random.default_rng(seed)
    grid = Grid(0.0, 0.0, 1000.0, 40, 40, 30.0)
    weights = queen_weights(grid)
    block = np.array([r * 40 + c for r in range(18, 21) for c in range(18, 21)])
    false_alarms = found = 0
    for _ in range(runs):
        counts = rng.poisson(2.0, grid.n_cells).astype(float)
        false_alarms += hotspots(counts, weights, fdr=FDR).n_significant_hot > 0
        counts[block] = rng.poisson(2.0 * CLUSTER_RATE, block.size)
        found += bool((hotspots(counts, weights, fdr=FDR).kind[block] == 1).any())
        tick()
    metrics = {
        "runs": runs,
        "fdr": FDR,
        "false_alarm_rate": rate(false_alarms, runs),
        "planted_cluster_detection_rate": rate(found, runs),
    }
    dataset = f"simulated: 40x40 cells, Poisson mean 2, cluster x{CLUSTER_RATE:g} on 3x3 cells"
    return record(Kind.HOTSPOTS, dataset, metrics)
