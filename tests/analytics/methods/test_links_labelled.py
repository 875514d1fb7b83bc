"""Cross-agency links on labelled sets that nothing was tuned on (how they are built:
analytics/backtests/link_sets.py): San Francisco October-December 2012 with a simulated
second source, and a province drawn with a seed never used while tuning.
bench/links_labelled.py prints the same figures and the tuning half."""

import numpy as np
import pytest

from analytics.backtests.link_sets import (
    HELD_OUT_DAY,
    LAST_DAY,
    SF,
    as_before,
    precision_recall,
    province_set,
    sf_days,
    sf_set,
)
from analytics.methods.links import find_links


def before_and_after(labelled, **options):
    before = find_links(*as_before(labelled), **options)
    after = find_links(*labelled.args(), precision=np.asarray(labelled.precision), **options)
    return precision_recall(labelled, before), precision_recall(labelled, after)


def test_province_held_out_town_centre_geocodes_and_unknown_casualties():
    # given the province set of a seed never used while tuning (town centres > 20 km apart)
    labelled = province_set(seed=2026)
    # when
    before, after = before_and_after(labelled, max_distance_m=20_000.0)
    # then: the acceptance bar is met, and recall rises well above what the old reading gets
    precision, recall, *_ = after
    assert precision >= 0.95
    assert recall >= 0.90
    assert recall >= before[1] + 0.05  # measured: precision 0.994, recall 0.976 against 0.895


@pytest.mark.skipif(not SF.exists(), reason="shared/data/sf-crime-2012h2.csv not present")
def test_san_francisco_held_out_quarter():
    # given real SFPD incidents of October-December 2012 and a simulated second source
    labelled = sf_days(sf_set(), HELD_OUT_DAY, LAST_DAY)
    # when
    before, after = before_and_after(labelled)
    # then: better than before on both counts, at the figures measured once the method was
    # frozen (precision 0.902, recall 0.805). The acceptance bar (0.95 and 0.90) is NOT met
    # on this set: most false links join a second-source report of an event the SFPD set
    # lacks to a distinct incident of the same kind nearby on the same day, and 30% of
    # the second source's reports are placed only at a police district's centre, where
    # another incident of the district's day often fits as well; reports with an exact
    # place and a time link at precision 0.93, recall 0.99.
    assert after[0] >= 0.90
    assert after[1] >= 0.80
    assert after[0] > before[0]
    assert after[1] > before[1] + 0.02
