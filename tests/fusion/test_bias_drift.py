"""Bias drift: a district flagged out of proportion, or flags repeated, in result after result
of one agency's method raises one finding for oversight; fewer results, withdrawn ones or
results within the limits raise none."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import Assessment
from fusion.models import MonitorFinding
from fusion.tasks import bias_drift_check_task

pytestmark = pytest.mark.django_db


def checks(above: str | None, repeated: float | None) -> dict:
    """Bias checks of one result: `above` over its ratio limit, Quetta within it."""
    rows = [
        {"district": "Quetta", "incidents": 80, "flagged": 10, "disparity": 0.8,
         "above_ratio": False},
    ]  # fmt: skip
    if above:
        rows.append({"district": above, "incidents": 20, "flagged": 15, "disparity": 3.0,
                     "above_ratio": True})  # fmt: skip
    persistence = None
    if repeated is not None:
        persistence = {"current": 10, "previous": 10, "repeated": 9, "share_repeated": repeated}
    return {
        "district_disparity": rows,
        "persistence": persistence,
        "thresholds": {"ratio_warn": 2.0, "persistence_warn": 0.8},
        "warnings": [],
    }


def approved(world, agency, bias: dict, *, status: str = "approved", days_ago: int = 3):
    when = timezone.now() - timedelta(days=days_ago)
    return Assessment.objects.create(
        kind="hotspots", status=status, requester=world.police_analyst, agency=agency,
        scope={}, params={}, scope_key="d", method_version="1", code_version="t",
        result={"cells": [], "bias_checks": bias, "warnings": []}, reviewed_at=when,
        reviewed_by=world.police_submitter, finished_at=when,
    )  # fmt: skip


def test_a_district_over_flagged_result_after_result_raises_one_finding(world, client_for):
    # given: three approved police results over-flag Pishin and repeat their flags; a withdrawn
    # one and one older than the lookback over-flag Quetta; levies over-flags Pishin twice
    for _ in range(3):
        approved(world, world.police, checks("Pishin", 0.9))
    approved(world, world.police, checks("Quetta", None), status="withdrawn")
    approved(world, world.police, checks("Quetta", None), days_ago=200)
    for _ in range(2):
        approved(world, world.levies, checks("Pishin", 0.9))
    # when: the daily check runs twice
    bias_drift_check_task()
    bias_drift_check_task()
    # then
    found = {
        (f.agency.code, f.measure, f.details["district"]): f for f in MonitorFinding.objects.all()
    }
    assert set(found) == {
        ("police", "district_disparity", "Pishin"),
        ("police", "flag_persistence", None),
    }
    disparity = found[("police", "district_disparity", "Pishin")]
    assert (disparity.count, disparity.norm, disparity.details["mean_disparity"]) == (3, 3, 3.0)
    feed = client_for(world.overseer).get("/api/v1/notifications/").json()["results"]
    drift = [n for n in feed if n["kind"] == "bias_drift"]
    assert sorted((n["measure"], n["method"], n["district"]) for n in drift) == [
        ("district_disparity", "hotspots", "Pishin"),
        ("flag_persistence", "hotspots", None),
    ]
    assert client_for(world.police_admin).get("/api/v1/notifications/").json()["results"] == []


def test_results_within_the_limits_raise_nothing(world):
    for _ in range(5):
        approved(world, world.police, checks(None, 0.5))
    assert bias_drift_check_task() == 0
    assert not MonitorFinding.objects.exists()
