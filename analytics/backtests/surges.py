"""Surges calibration on simulations: false alarms on stationary counts, detection of a planted
surge, and for the province-wide level-shift and trend tests their false alarms and how soon
they find a planted doubling.

- Per-group test (as since 1.0.0): 40 groups x 9 periods, Poisson mean 4; a group's last period
  at 3x its rate.
- Level shift and trend: one 52-period series (the default weekly window) at 20 incidents a
  period, Poisson and negative binomial with variance 2x the mean. A x2 shift is tested with
  the window (of the same length) ending at its 1st, 2nd, ... 4th period; the delay is the
  first of these windows in which it is flagged, by the level-shift test alone or by it or the
  province-wide row of the per-period test ("province"); and whether each still flags the
  shift 12 periods on (the per-period test's moving baseline has absorbed it by then).
- Whole result: 8 districts x 5 categories x 52 periods, Poisson mean 4 each (province 160 a
  period), every family of the surge result: (district, category) rows, aggregate rows
  (province, category, district; BH over them), level shift and trend.
"""

from collections.abc import Callable

import numpy as np

from analytics.backtests.common import FDR, rate, record
from analytics.choices import Kind
from analytics.methods.level_shift import level_shift, trend
from analytics.methods.surges import surges
from analytics.models import BacktestRun

SURGE_RATE = 3.0  # planted: one group's last period at this multiple of its rate
SHIFT = 2.0  # planted: the province-wide rate from one period on
LENGTH, LEVEL, NB_DISPERSION = 52, 20.0, 2.0
MAX_DELAY = 4
LATE = 12  # periods after the shift: is it still flagged?
WEEKS_PER_YEAR = 365.25 / 7


def surges_calibration(runs: int, tick: Callable[[], None], seed: int = 11) -> BacktestRun:
    """Runs flagging on stationary counts; runs finding a planted surge or level shift."""
    rng = np.random.default_rng(seed)
    groups, periods, mean = 40, 9, 4.0
    false_alarms = found = 0
    tally: dict[str, int] = {}
    delays: dict[str, list[tuple]] = {"poisson": [], "negbin": []}
    for _ in range(runs):
        counts = rng.poisson(mean, (groups, periods))
        false_alarms += bool(_surging(counts))
        counts[0, -1] = rng.poisson(mean * SURGE_RATE)
        found += 0 in _surging(counts)
        for name, phi in (("poisson", 1.0), ("negbin", NB_DISPERSION)):
            series = _draw(rng, np.full(LENGTH, LEVEL), phi)
            _count(tally, f"level_shift_false_alarm_{name}", level_shift(series).significant)
            trended = trend(series, periods_per_year=WEEKS_PER_YEAR).significant
            _count(tally, f"trend_false_alarm_{name}", trended)
            _count(tally, f"province_row_false_alarm_{name}", bool(_surging(series[None, -9:])))
            delays[name].append(_delays(rng, phi))
        for family, flagged in _whole_result(rng).items():
            _count(tally, f"result_false_alarm_{family}", flagged)
        tick()
    metrics = {
        "runs": runs,
        "fdr": FDR,
        "false_alarm_rate": rate(false_alarms, runs),
        "planted_surge_detection_rate": rate(found, runs),
        **{key: rate(hits, runs) for key, hits in sorted(tally.items())},
    }
    for name, outcomes in delays.items():
        scan, province, scan_late, row_late = (np.array(v) for v in zip(*outcomes, strict=True))
        within = scan[scan <= MAX_DELAY]
        metrics |= {
            f"level_shift_detected_within_1_period_{name}": rate(int((scan <= 1).sum()), runs),
            f"level_shift_detected_within_2_periods_{name}": rate(int((scan <= 2).sum()), runs),
            f"level_shift_mean_delay_periods_{name}": (
                round(float(within.mean()), 3) if within.size else None
            ),
            f"province_detected_within_2_periods_{name}": rate(int((province <= 2).sum()), runs),
            f"level_shift_flagged_{LATE}_periods_on_{name}": rate(int(scan_late.sum()), runs),
            f"province_row_flagged_{LATE}_periods_on_{name}": rate(int(row_late.sum()), runs),
        }
    dataset = (
        f"simulated: {groups}x{periods} Poisson {mean:g}, surge x{SURGE_RATE:g}; series "
        f"{LENGTH} at {LEVEL:g}, Poisson/NB var {NB_DISPERSION:g}x, shift x{SHIFT:g}; result "
        f"8x5x{LENGTH} Poisson {mean:g}"
    )
    return record(Kind.SURGES, dataset, metrics)


def _count(tally: dict[str, int], key: str, hit: bool) -> None:
    tally[key] = tally.get(key, 0) + bool(hit)


def _draw(rng: np.random.Generator, mu: np.ndarray, phi: float) -> np.ndarray:
    if phi <= 1.0:
        return rng.poisson(mu)
    return rng.negative_binomial(mu / (phi - 1.0), 1.0 / phi)


def _delays(rng: np.random.Generator, phi: float) -> tuple[int, int, bool, bool]:
    """Periods from a x2 shift until the level-shift test flags it, and until the level-shift
    test or the province-wide row of the per-period test does (MAX_DELAY + 1: not by then);
    and whether each still flags it LATE periods on. Each window has the default length and
    ends at the shift's 1st, 2nd, ... period."""
    mu = np.full(LENGTH - 1 + LATE, LEVEL)
    mu[LENGTH - 1 :] *= SHIFT
    series = _draw(rng, mu, phi)
    windows = [series[k : k + LENGTH] for k in range(LATE)]
    scan = [level_shift(w).significant for w in windows[:MAX_DELAY]]
    row = [bool(_surging(w[None, -9:])) for w in windows[:MAX_DELAY]]
    late = windows[LATE - 1]
    return (
        _first(scan),
        _first([a or b for a, b in zip(scan, row, strict=True)]),
        level_shift(late).significant,
        bool(_surging(late[None, -9:])),
    )


def _first(flags: list[bool]) -> int:
    return next((k + 1 for k, hit in enumerate(flags) if hit), MAX_DELAY + 1)


def _whole_result(rng: np.random.Generator) -> dict[str, bool]:
    """Which families of a surge result flag anything on stationary counts."""
    table = rng.poisson(4.0, (8, 5, LENGTH))
    last9 = table[:, :, -9:]
    cells = last9.reshape(40, 9)
    units = np.concatenate([last9.sum(axis=(0, 1))[None], last9.sum(axis=0), last9.sum(axis=1)])
    province = table.sum(axis=(0, 1))
    flags = {
        "district_category": bool(_surging(cells)),
        "aggregates": bool(_surging(units)),
        "level_shift": level_shift(province).significant,
        "trend": trend(province, periods_per_year=WEEKS_PER_YEAR).significant,
    }
    return {**flags, "any": any(flags.values())}


def _surging(counts: np.ndarray) -> list[int]:
    groups, periods = counts.shape
    group = np.repeat(np.arange(groups), counts.sum(axis=1))
    period = np.concatenate([np.repeat(np.arange(periods), row) for row in counts])
    found = surges(period, group, n_groups=groups, n_periods=periods, fdr=FDR)
    return found.significant_groups
