"""A link check end to end: a 20-year window, a report with unknown casualties geocoded to a
town centre more than max_distance_m from the other agency's exact report of the event."""

from datetime import datetime

import numpy as np
import pytest

from analytics.models import Assessment
from analytics.runners.common import Job
from analytics.runners.links import run_links
from analytics.snapshot import Inputs
from fusion.sharing.shares import share_grant
from incidents.models import Incident
from tests import factories
from tests.analytics.conftest import AFTER, BBOX, BEFORE, ingest

URL = "/api/v1/assessments/"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_a_20_year_link_check_joins_a_town_centre_report_with_unknown_casualties(
    world, client_for, capture
):
    # given a police report of a bombing and the levies' report of it: no counts, placed at
    # the town centre 22 km away, shared with the police
    when = AFTER + (BEFORE - AFTER) / 2
    event = {"occurred_at": when, "reported_at": when, "category": "bombing-ied"}
    (police,) = ingest(
        world.police,
        world.police_submitter,
        [
            factories.record(
                **event, killed=6, injured=12, latitude=30.19, longitude=67.01,
                description="IED blast near the bus stand, 6 dead 12 injured",
            )
        ],
    )  # fmt: skip
    (levies,) = ingest(
        world.levies,
        world.levies_submitter,
        [
            factories.record(
                **event, killed=None, injured=None, latitude=30.39, longitude=67.01,
                location_precision="town", description="Explosion at the bus stand",
            )
        ],
    )  # fmt: skip
    share_grant(
        actor=world.levies_admin,
        incident=Incident.objects.get(pk=levies),
        agency=world.police,
        level="view",
        purpose="deconfliction",
    )
    body = {
        "kind": "links",
        "params": {"max_distance_m": 20_000},
        "area": {"bbox": BBOX},
        "occurred_after": datetime(2005, 1, 1, tzinfo=BEFORE.tzinfo).isoformat(),
        "occurred_before": BEFORE.isoformat(),
    }
    # when
    with capture(execute=True):
        response = client_for(world.police_analyst).post(URL, body, format="json")
    # then
    assert response.status_code == 202, response.content
    links = Assessment.objects.get(pk=response.json()["id"])
    assert links.status == "pending_review", links.error
    (found,) = links.result["links"]
    assert sorted(found["incidents"]) == sorted([str(police), str(levies)])
    assert "casualties" not in found["components"]
    assert "casualties unknown on one side: not scored" in found["reasons"]
    # the space reason names both precisions, in the order of the pair's incident ids
    space = found["reasons"][0]
    assert space.startswith(("exact and town locations", "town and exact locations")), space
    assert "beyond their uncertainty" in space


def test_the_runner_reports_progress_chunk_by_chunk():
    # given three years of reports, a pair of one event in each year
    day = 86400.0
    t = np.array([0, 600, 400 * day, 400 * day + 600, 800 * day, 800 * day + 600]) + 1.7e9
    n = t.size
    inputs = Inputs(
        ids=[f"id{k}" for k in range(n)], agency=np.array([0, 1] * 3), agency_names=["a", "b"],
        t=t, category=np.zeros(n, dtype=np.int64), category_names=["bombing"],
        group=np.zeros(n, dtype=np.int64), district=np.zeros(n, dtype=np.int64),
        district_names=["Quetta"], lat=np.full(n, 30.19), lon=np.full(n, 67.01),
        killed=np.array([2.0, np.nan] * 3), injured=np.array([5.0, np.nan] * 3),
        precision=np.array([0, 1] * 3), text=["IED blast at the bus stand"] * n,
    )  # fmt: skip
    seen: list[int] = []
    params = {"max_distance_m": 1000.0, "max_hours": 24.0, "threshold": 0.6}
    # when
    result = run_links(Job(inputs, {}, params, None, seen.append))
    # then: one step per one-year chunk between the start and the end
    assert [sorted(link["incidents"]) for link in result["links"]] == [
        ["id0", "id1"], ["id2", "id3"], ["id4", "id5"],
    ]  # fmt: skip
    assert seen == [20, 40, 60, 80, 80]
