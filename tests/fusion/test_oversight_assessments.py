"""Oversight reads assessment records: scope, parameters, review, inputs and flags counted per
district, bias checks; never incident descriptions, persons or incident ids."""

import json
import re
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest

from analytics.methods.grid import grid_covering
from analytics.models import Assessment, AssessmentInput, Flag
from analytics.runners.common import grid_spec
from fusion.models import AuditEntry
from tests.analytics.conftest import HOT, hotspot_request, ingest, records

pytestmark = pytest.mark.django_db
URL = "/api/v1/oversight/assessments/"
SECRET = "Zarghuna Khanzadi Testperson"
NATIONAL_ID = "54400-7654321-9"
DESCRIPTION = "informant met near the old bazaar"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def hotspots(world, client_for, django_capture_on_commit_callbacks) -> Assessment:
    """A computed hotspots run over a planted police cluster whose incidents carry a
    description and a named person."""
    person = {"role": "suspect", "full_name": SECRET, "national_id": NATIONAL_ID}
    cluster = records(40, seed=1, centre=HOT, description=DESCRIPTION)
    for row in cluster[:3]:
        row["persons"] = [person]
    ingest(world.police, world.police_submitter, cluster)
    ingest(world.police, world.police_submitter, records(120, seed=2, description=DESCRIPTION))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.police_analyst).post(
            "/api/v1/assessments/", hotspot_request(), format="json"
        )
    assert response.status_code == 202, response.content
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert assessment.status == "pending_review"
    return assessment


@pytest.fixture
def pending(world) -> Assessment:
    """A pending hotspots record with nothing computed (for who may read it and filters)."""
    return Assessment.objects.create(
        kind="hotspots", status="pending_review", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="o", method_version="1",
        code_version="t", result={"cells": [], "warnings": []},
    )  # fmt: skip


def test_oversight_reads_counts_per_district_and_nothing_of_the_records(
    world, client_for, hotspots
):
    # given
    api = client_for(world.overseer)
    # when
    response = api.get(f"{URL}{hotspots.pk}/")
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    text = json.dumps(body)
    assert DESCRIPTION not in text
    assert SECRET not in text
    assert NATIONAL_ID not in text
    assert UUID.findall(text) == [str(hotspots.pk)]  # its own id, no incident's
    assert "geometry" not in text
    assert "Polygon" not in text
    assert "cells" not in body
    assert (body["kind"], body["agency"], body["requester"]) == (
        "hotspots",
        "police",
        "police_analyst",
    )
    assert body["input_count"] == 160
    inputs = body["inputs"]
    assert sum(row["incidents"] for row in inputs["by_district"]) == 160
    assert inputs["by_agency"] == [{"agency": "police", "incidents": 160}]
    flags = body["flags"]
    hot = [c for c in hotspots.result["cells"] if c["kind"] == "hot"]
    assert flags["units"] == len(hot) > 0
    evidence = {i for c in hot for i in c["incidents"]}
    assert sum(row["evidence_incidents"] for row in flags["by_district"]) == len(evidence)
    disparity = {
        r["district"]: r["flagged"] for r in hotspots.result["bias_checks"]["district_disparity"]
    }
    assert {r["district"]: r["flagged_incidents"] for r in flags["by_district"]} == {
        d: n for d, n in disparity.items() if d in {r["district"] for r in flags["by_district"]}
    }
    assert body["bias_checks"]["district_disparity"]
    # the box drawn is shown widened to whole degrees (BBOX is 66.8-67.2 E, 30.0-30.4 N)
    assert body["scope"]["area"] == {"bbox_whole_degrees": [66, 30, 68, 31]}


def test_an_oversight_read_is_logged_without_the_agency_being_told(world, client_for, pending):
    client_for(world.overseer).get(f"{URL}{pending.pk}/")
    [entry] = AuditEntry.objects.filter(event="assessment.oversight_read")
    assert (entry.actor, entry.object_pk, entry.object_agency_id) == (
        world.overseer,
        str(pending.pk),
        None,
    )
    client_for(world.overseer).get(URL, {"kind": "hotspots"})
    assert AuditEntry.objects.filter(event="assessments.oversight_read").count() == 1


def test_the_list_filters_by_kind_status_agency_and_period(world, client_for, pending):
    api = client_for(world.platform_admin)
    assert [r["id"] for r in api.get(URL).json()["results"]] == [str(pending.pk)]
    assert [r["id"] for r in api.get(URL, {"agency": "police"}).json()["results"]] == [
        str(pending.pk)
    ]
    for params in ({"kind": "surges"}, {"status": "approved"}, {"agency": "levies"}):
        assert api.get(URL, params).json()["results"] == [], params
    future = datetime(2100, 1, 1, tzinfo=UTC).isoformat()
    assert api.get(URL, {"since": future}).json()["results"] == []
    bad = api.get(URL, {"kind": "people"})
    assert bad.status_code == 400
    assert "kind" in bad.json()["errors"]


@pytest.mark.parametrize(
    "role", ["police_analyst", "police_admin", "coordinator", "levies_admin", "outsider"]
)
def test_other_roles_are_refused(world, client_for, pending, role):
    api = client_for(getattr(world, role))
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{pending.pk}/").status_code == 403


def test_a_missing_record_is_a_404(world, client_for):
    assert client_for(world.overseer).get(f"{URL}{uuid.uuid4()}/").status_code == 404


def test_surge_flags_count_in_their_district_and_ids_in_warnings_are_hidden(world, client_for):
    # given: a surges result with one flagged row in Quetta, an aggregate row that is no flag,
    # and a warning naming an incident
    ids = [uuid.uuid4() for _ in range(3)]
    assessment = Assessment.objects.create(
        kind="surges", status="approved", requester=world.police_analyst, agency=world.police,
        scope={}, params={}, scope_key="s", method_version="1", code_version="t",
        result={
            "surges": [
                {"level": "district_category", "district": "Quetta", "category": "robbery",
                 "significant": True, "incidents": [str(ids[0]), str(ids[1])]},
                {"level": "district_category", "district": "Pishin", "category": "robbery",
                 "significant": False, "incidents": []},
                {"level": "province", "district": "*", "category": "*", "significant": True,
                 "incidents": [str(i) for i in ids]},
            ],
            "bias_checks": {"district_disparity": [], "warnings": [f"odd point {ids[2]}"]},
            "warnings": [f"incident {ids[2]} lies far outside the rest"],
        },
    )  # fmt: skip
    for incident, district in zip(ids, ["Quetta", "Quetta", "Pishin"], strict=True):
        AssessmentInput.objects.create(
            assessment=assessment, incident_id=incident, incident_version=1,
            agency_id=world.police.pk, occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
            category="robbery", latitude=30.2, longitude=67.0, district=district,
            description=DESCRIPTION, tlp="AMBER",
        )  # fmt: skip
    # when
    body = client_for(world.overseer).get(f"{URL}{assessment.pk}/").json()
    # then
    assert body["flags"] == {
        "units": 1,
        "by_district": [
            {"district": "Quetta", "flagged_units": 1, "evidence_incidents": 2,
             "flagged_incidents": None},
        ],
    }  # fmt: skip
    assert body["warnings"] == ["incident [incident] lies far outside the rest"]
    assert body["bias_checks"]["warnings"] == ["odd point [incident]"]
    assert {r["district"]: r["incidents"] for r in body["inputs"]["by_district"]} == {
        "Pishin": 1,
        "Quetta": 2,
    }
    assert DESCRIPTION not in json.dumps(body)


def test_flag_acknowledgements_and_outcomes_are_counted_per_district(world, client_for, pending):
    # given: three flags of the result, two in Quetta (one acknowledged with a patrol and an
    # incident after it), one in Pishin not acknowledged yet
    when = datetime(2025, 6, 2, tzinfo=UTC)
    common = {"assessment": pending, "agency": world.police, "kind": "hotspots", "created_at": when}
    Flag.objects.create(
        key="c1", district="Quetta", action="patrol", acknowledged_at=when,
        acknowledged_by=world.police_analyst, outcome=True, outcome_at=when, **common,
    )  # fmt: skip
    Flag.objects.create(key="c2", district="Quetta", **common)
    Flag.objects.create(key="c3", district="Pishin", outcome=False, outcome_at=when, **common)
    # when
    body = client_for(world.overseer).get(f"{URL}{pending.pk}/").json()
    # then
    assert body["flag_feedback"]["by_district"] == [
        {"district": "Pishin", "flags": 1, "acknowledged": 0, "actions": {},
         "outcomes": {"occurred": 0, "none": 1, "unknown": 0}},
        {"district": "Quetta", "flags": 2, "acknowledged": 1, "actions": {"patrol": 1},
         "outcomes": {"occurred": 1, "none": 0, "unknown": 1}},
    ]  # fmt: skip


def test_forecast_flags_are_placed_in_districts_through_the_run_grid(world, client_for):
    # given: a forecast over a bbox whose grid puts two Quetta incidents in flagged cell 0 and
    # a Pishin incident in an unflagged cell
    bbox = [67.0, 30.0, 67.05, 30.05]
    points = [(30.001, 67.001, "Quetta"), (30.002, 67.002, "Quetta"), (30.04, 67.04, "Pishin")]
    grid = grid_covering(np.array([30.0]), np.array([67.0]), 1000.0, bbox=tuple(bbox))
    assessment = Assessment.objects.create(
        kind="forecast", status="approved", requester=world.police_analyst, agency=world.police,
        scope={"area": {"bbox": bbox}}, params={"cell_size_km": 1.0}, scope_key="f",
        method_version="1", code_version="t",
        result={"grid": grid_spec(grid), "flagged_cells": [0], "cells": [], "warnings": []},
    )  # fmt: skip
    for lat, lon, district in points:
        AssessmentInput.objects.create(
            assessment=assessment, incident_id=uuid.uuid4(), incident_version=1,
            agency_id=world.police.pk, occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
            category="robbery", latitude=lat, longitude=lon, district=district, tlp="AMBER",
        )  # fmt: skip
    # when
    body = client_for(world.overseer).get(f"{URL}{assessment.pk}/").json()
    # then
    assert body["flags"] == {
        "units": 1,
        "by_district": [
            {"district": "Quetta", "flagged_units": 1, "evidence_incidents": 2,
             "flagged_incidents": None},
        ],
    }  # fmt: skip


def test_the_list_takes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    for _ in range(5):
        Assessment.objects.create(
            kind="hotspots", status="approved", requester=world.police_analyst,
            agency=world.police, scope={}, params={}, scope_key="q", method_version="1",
            code_version="t", reviewed_by=world.police_submitter,
        )  # fmt: skip
    api = client_for(world.overseer)
    with django_assert_max_num_queries(12):
        response = api.get(URL)
    assert len(response.json()["results"]) == 5


@pytest.mark.parametrize("query", ["kind=links&kind=surges", "agency=nope"])
def test_oversight_filters_are_read_strictly(world, client_for, query):
    # when
    response = client_for(world.overseer).get(f"{URL}?{query}")
    # then
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["errors"]) <= {"kind", "agency"}
