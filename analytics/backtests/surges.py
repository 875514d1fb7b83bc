"""Surges calibration: false alarms on stationary Poisson counts, detection of a planted surge."""

from collections.abc import Callable

import numpy as np

from analytics.backtests.common import FDR, record
from analytics.choices import Kind
from analytics.methods.surges import surges
from analytics.models import BacktestRun

SURGE_RATE = 3.0  # planted: one group's last period at this multiple of its rate


def surges_calibration(runs: int, tick: Callable[[], None], seed: int = 11) -> BacktestRun:
    """Runs flagging any group on stationary counts; runs finding a planted surge."""
    rng = np.random.default_rng(seed)
    groups, periods, rate = 40, 9, 4.0
    false_alarms = found = 0
    for _ in range(runs):
        counts = rng.poisson(rate, (groups, periods))
        false_alarms += bool(_surging(counts))
        counts[0, -1] = rng.poisson(rate * SURGE_RATE)
        found += 0 in _surging(counts)
        tick()
    metrics = {
        "runs": runs,
        "fdr": FDR,
        "false_alarm_rate": rate(false_alarms, runs),
        "planted_surge_detection_rate": rate(found, runs),
    }
    dataset = (
        f"simulated: {groups} groups x {periods} periods, Poisson mean {rate:g}, "
        f"surge x{SURGE_RATE:g}"
    )
    return record(Kind.SURGES, dataset, metrics)


def _surging(counts: np.ndarray) -> list[int]:
    groups, periods = counts.shape
    group = np.repeat(np.arange(groups), counts.sum(axis=1))
    period = np.concatenate([np.repeat(np.arange(periods), row) for row in counts])
    found = surges(period, group, n_groups=groups, n_periods=periods, fdr=FDR)
    return found.significant_groups
