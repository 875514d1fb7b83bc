"""Level-shift and trend tests: false alarms on stationary series, detection of a x2 shift.

Run: .venv/bin/python bench/level_shift.py [runs]. Prints, per level and distribution, the
share of runs the level-shift and trend tests flag on stationary 52-period series, and the
share in which a x2 shift planted two periods before the end is flagged with the window
ending at its first or its second period, by the level-shift test and by it or the per-period
test of the series' last period (the province-wide row of a surges result).
"""

import sys
import time

import numpy as np

from analytics.methods.level_shift import level_shift, trend
from analytics.methods.surges import surges

LENGTH = 52


def draw(rng: np.random.Generator, mu: np.ndarray, phi: float) -> np.ndarray:
    if phi <= 1.0:
        return rng.poisson(mu)
    return rng.negative_binomial(mu / (phi - 1.0), 1.0 / phi)


def province_row(x: np.ndarray) -> bool:
    """The per-period surge test on the series' last 9 periods (the province-wide row)."""
    period = np.repeat(np.arange(9), x[-9:])
    found = surges(period, np.zeros(period.size, dtype=np.int64), n_groups=1, n_periods=9)
    return bool(found.significant_groups)


def main(runs: int) -> None:
    for phi in (1.0, 2.0):
        for level in (5.0, 10.0, 20.0, 40.0):
            rng = np.random.default_rng(int(level * 10 + phi))
            fa_shift = fa_trend = fa_row = found = either = 0
            started = time.perf_counter()
            for _ in range(runs):
                x = draw(rng, np.full(LENGTH, level), phi)
                fa_shift += level_shift(x).significant
                fa_trend += trend(x, periods_per_year=52.18).significant
                fa_row += province_row(x)
                mu = np.full(LENGTH + 1, level)
                mu[LENGTH - 1 :] *= 2.0
                y = draw(rng, mu, phi)
                windows = (y[:LENGTH], y[1:])
                hit = level_shift(windows[0]).significant or level_shift(windows[1]).significant
                found += hit
                either += hit or province_row(windows[0]) or province_row(windows[1])
            took = (time.perf_counter() - started) / runs
            print(
                f"phi {phi:g} level {level:>4g}: false alarm shift {fa_shift / runs:.3f} "
                f"trend {fa_trend / runs:.3f} province row {fa_row / runs:.3f}; x2 found within "
                f"2 periods {found / runs:.3f}, with the row {either / runs:.3f} "
                f"({took * 1000:.1f} ms/run)"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
