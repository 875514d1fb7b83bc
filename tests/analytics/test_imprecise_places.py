"""Gridded methods count incidents where they happened: a report placed only at a town's,
district's or province's centre is left out of hotspots and forecasts, and the result says how
many were, by precision (counted at the centre, it would make the centre a hotspot)."""

import pytest

from tests.analytics.conftest import AFTER, BEFORE, hotspot_request, ingest, records
from tests.analytics.test_assessments_api import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


CENTRE = (30.30, 67.10)  # one geocode many reports share: "somewhere in the district"


def test_hotspots_leave_out_centre_geocodes_and_say_how_many(world, scene, client_for, capture):
    # given: 40 reports placed only at a district's centre, and 3 at a town's
    coarse = ingest(
        world.police, world.police_submitter,
        records(40, seed=7, centre=CENTRE, location_precision="district")
        + records(3, seed=8, centre=CENTRE, location_precision="town"),
    )  # fmt: skip
    # when
    assessment = run(client_for(world.police_analyst), hotspot_request(), capture)
    # then: the centre is no hotspot, the real cluster still is, and the warning counts them
    result = assessment.result
    hot = [c for c in result["cells"] if c["kind"] == "hot"]
    flagged = {i for c in hot for i in c["incidents"]}
    assert {str(i) for i in scene.cluster} & flagged
    assert sum(c["count"] for c in result["cells"]) == len(scene.cluster + scene.background)
    listed = {i for c in result["cells"] for i in c["incidents"]}
    assert not listed & {str(i) for i in coarse}
    notes = [w for w in result["warnings"] if "location_precision" in w]
    assert notes == [
        "43 incident(s) placed only at a town's, district's or province's centre (3 town, 40 "
        "district; location_precision) were left out: their points are not where the events "
        "happened"
    ]


def test_a_forecast_leaves_them_out_too(world, scene, client_for, capture):
    # given
    ingest(
        world.police, world.police_submitter,
        [
            {**r, "district": ""}
            for r in records(60, seed=9, centre=CENTRE, location_precision="province")
        ],
    )  # fmt: skip
    body = {
        "kind": "forecast",
        "params": {"cell_size_km": 1.0, "forecast_start": BEFORE.date().isoformat(), "folds": 2},
        "area": {"bbox": hotspot_request()["area"]["bbox"]},
        "occurred_after": AFTER.isoformat(),
    }
    # when
    assessment = run(client_for(world.police_analyst), body, capture)
    # then
    result = assessment.result
    assert any(w.startswith("60 incident(s) placed only") for w in result["warnings"])
    flagged = set(result["flagged_cells"])
    centre_cell = next(c for c in result["cells"] if c["rank"] == 1)
    assert centre_cell["id"] in flagged  # something is flagged, and ...
    assert assessment.input_count >= 60 + len(scene.cluster)  # ... all were in the snapshot
