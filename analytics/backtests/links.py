"""Links backtest: precision and recall on the labelled sets' held-out parts (link_sets.py says
how they are built): the synthetic province of a seed never used while tuning, and, given the
SFPD file, San Francisco October-December 2012 with a simulated second source."""

from pathlib import Path

import numpy as np

from analytics.backtests.common import record
from analytics.backtests.link_sets import (
    HELD_OUT_DAY,
    LAST_DAY,
    Labelled,
    precision_recall,
    province_set,
    sf_days,
    sf_set,
)
from analytics.choices import Kind
from analytics.methods.links import find_links
from analytics.models import BacktestRun

PROVINCE_HELD_OUT_SEED = 2026
PROVINCE_MAX_DISTANCE_M = 20_000.0


def _scores(labelled: Labelled, **options: float) -> dict:
    links = find_links(*labelled.args(), precision=np.asarray(labelled.precision), **options)
    precision, recall, hits, found, truth = precision_recall(labelled, links)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "true_links": hits,
        "links": found,
        "true_pairs": truth,
        "reports": len(labelled.event),
    }


def links_backtest(sf_path: Path | None = None) -> BacktestRun:
    """Precision and recall at the default parameters on the held-out province set (at a
    20 km distance) and, with `sf_path`, on the held-out San Francisco quarter."""
    metrics = {
        "province_held_out": _scores(
            province_set(seed=PROVINCE_HELD_OUT_SEED), max_distance_m=PROVINCE_MAX_DISTANCE_M
        )
        | {"seed": PROVINCE_HELD_OUT_SEED, "max_distance_m": PROVINCE_MAX_DISTANCE_M}
    }
    dataset = f"synthetic province, held-out seed {PROVINCE_HELD_OUT_SEED}"
    if sf_path is not None:
        quarter = sf_days(sf_set(path=sf_path), HELD_OUT_DAY, LAST_DAY)
        metrics["sf_held_out"] = _scores(quarter) | {"period": "2012-10-01..2012-12-31"}
        dataset += f"; {sf_path.name} October-December with a simulated second source"
    return record(Kind.LINKS, dataset, metrics)
