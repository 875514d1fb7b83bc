"""The snapshot read as arrays: unknown casualty counts stay unknown, precisions are codes."""

import numpy as np
import pytest

from analytics.services import assessment_request
from analytics.snapshot import PRECISIONS, load_inputs
from incidents.models import Incident
from tests import factories
from tests.analytics.conftest import AFTER, BEFORE, hotspot_request

pytestmark = pytest.mark.django_db


def test_unknown_counts_are_nan_and_precisions_are_codes(world):
    # given: three incidents, with counts unknown, zero and known, at three precisions
    when = {"occurred_at": AFTER, "reported_at": AFTER}
    made = {
        (None, None, "town"): None,
        (0, 0, "exact"): None,
        (4, None, "province"): None,
    }
    for killed, injured, precision in made:
        incident = factories.incident(
            world.police, world.police_submitter, killed=killed, injured=injured, **when
        )
        Incident.objects.filter(pk=incident.pk).update(location_precision=precision)
        made[killed, injured, precision] = str(incident.pk)

    # when: they are snapshotted and read back
    body = {**hotspot_request(), "kind": "links", "params": {}}
    assessment = assessment_request(
        actor=world.police_analyst, data=body, after=AFTER, before=BEFORE
    )
    inputs = load_inputs(assessment)

    # then: NULL is NaN (never 0), 0 stays 0, and each precision is its index in PRECISIONS
    assert PRECISIONS == ("exact", "town", "district", "province")
    assert inputs.killed.dtype == float
    assert inputs.precision.dtype == np.int64
    for (killed, injured, precision), incident_id in made.items():
        k = inputs.ids.index(incident_id)
        for value, read in ((killed, inputs.killed[k]), (injured, inputs.injured[k])):
            assert np.isnan(read) if value is None else read == value
        assert PRECISIONS[inputs.precision[k]] == precision
