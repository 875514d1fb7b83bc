"""Metric drift: an agency's flags of one method wrong more often than the method promised
raise one finding for oversight (once a week however often the check runs); flags at the
promised rate, too few of them, or of withdrawn results raise none."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.backtests.common import record
from analytics.models import Assessment, Flag
from fusion.models import MonitorFinding, MonitorRun
from fusion.oversight.metric_drift import metric_drift_check
from fusion.tasks import metric_drift_check_task

pytestmark = pytest.mark.django_db


def approved(world, agency, kind: str, result: dict, *, status: str = "approved") -> Assessment:
    when = timezone.now() - timedelta(days=10)
    return Assessment.objects.create(
        kind=kind, status=status, requester=world.police_analyst, agency=agency,
        scope={}, params={}, scope_key="d", method_version="1", code_version="t",
        result=result, reviewed_at=when, reviewed_by=world.police_submitter, finished_at=when,
    )  # fmt: skip


def forecast(world, agency, *, promised: float, hits: int, area: int, cells: int = 5, **kw):
    """An approved forecast whose backtest promised `promised` of the incidents in its flagged
    cells; `hits` of the `area` incidents in its grid fell in them (spread over its cells)."""
    backtest = {"winner": "kde", "kde": {"hit_rate_coverage": promised},
                "prior_counts": {"hit_rate_coverage": 0.01}, "coverage": 0.05}  # fmt: skip
    assessment = approved(world, agency, "forecast", {"backtest": backtest}, **kw)
    for k in range(cells):
        n = hits // cells + (1 if k < hits % cells else 0)
        Flag.objects.create(
            assessment=assessment, agency=agency, kind="forecast", key=str(k),
            place={"cell": k, "bbox": [0, 0, 1, 1], "area_incidents": area},
            created_at=assessment.reviewed_at, outcome=n > 0, outcome_incidents=n,
            outcome_source="computed", outcome_at=timezone.now(),
        )  # fmt: skip
    return assessment


def flags(world, agency, kind: str, outcomes: list[bool], source: str = "computed"):
    assessment = approved(world, agency, kind, {})
    for k, outcome in enumerate(outcomes):
        Flag.objects.create(
            assessment=assessment, agency=agency, kind=kind, key=str(k), place={},
            created_at=assessment.reviewed_at, outcome=outcome, outcome_source=source,
            outcome_at=timezone.now(),
        )  # fmt: skip


def drift_feed(client) -> list[dict]:
    results = client.get("/api/v1/notifications/").json().get("results", [])
    return [n for n in results if n["kind"] == "metric_drift"]


def test_forecasts_hitting_far_less_than_promised_raise_one_finding(world, client_for):
    # given: police forecasts promised half the incidents and caught a tenth (100 incidents);
    # a withdrawn forecast as bad, and levies forecasts as bad but with too few incidents
    forecast(world, world.police, promised=0.5, hits=5, area=50)
    forecast(world, world.police, promised=0.5, hits=5, area=50)
    forecast(world, world.police, promised=0.5, hits=0, area=50, status="withdrawn")
    forecast(world, world.levies, promised=0.5, hits=2, area=20)
    # when: the daily check runs twice
    assert metric_drift_check_task() == 1
    assert metric_drift_check_task() == 1
    # then: one finding, the realised and promised rates, the bound and the test
    finding = MonitorFinding.objects.get()
    assert (finding.kind, finding.agency, finding.measure) == (
        "metric_drift", world.police, "forecast_hit_rate",
    )  # fmt: skip
    assert (finding.count, finding.norm, finding.threshold) == (0.1, 0.5, 0.4)
    assert (finding.details["n"], finding.details["events"]) == (100, 10)
    assert finding.details["p_value"] < 1e-6
    feed = drift_feed(client_for(world.overseer))
    assert [(n["measure"], n["method"], n["agency"], n["n"]) for n in feed] == [
        ("forecast_hit_rate", "forecast", "police", 100)
    ]
    assert len(drift_feed(client_for(world.platform_admin))) == 1
    for user in (world.police_admin, world.police_analyst, world.levies_admin, world.coordinator):
        assert drift_feed(client_for(user)) == []


def test_forecasts_at_the_promised_rate_raise_nothing(world):
    forecast(world, world.police, promised=0.5, hits=24, area=50)
    forecast(world, world.police, promised=0.3, hits=14, area=50)
    run = metric_drift_check()
    assert (run.checked, run.found, run.error) == (1, 0, "")
    assert not MonitorFinding.objects.exists()


def test_too_few_incidents_raise_nothing_however_bad(world):
    forecast(world, world.police, promised=0.9, hits=0, area=29)
    run = metric_drift_check()
    assert (run.checked, run.found) == (1, 0)


def test_a_forecast_with_a_flag_decided_by_hand_is_left_out(world):
    # its hits are not all known: a hand-recorded flag carries no incident count
    assessment = forecast(world, world.police, promised=0.5, hits=5, area=100)
    Flag.objects.filter(assessment=assessment, key="0").update(
        outcome_source="recorded", outcome_incidents=None
    )
    assert metric_drift_check().checked == 0


def test_hotspots_mostly_false_raise_a_false_positive_finding(world):
    # given: 22 of 25 police hot cells saw no incident; levies' 10 of 25
    flags(world, world.police, "hotspots", [False] * 22 + [True] * 3)
    flags(world, world.levies, "hotspots", [False] * 10 + [True] * 15)
    flags(world, world.levies, "surges", [False] * 15)  # too few flags
    metric_drift_check()
    finding = MonitorFinding.objects.get()
    assert (finding.agency, finding.measure, finding.details["method"]) == (
        world.police, "false_positive_rate", "hotspots",
    )  # fmt: skip
    assert (finding.count, finding.threshold, finding.details["n"]) == (0.88, 0.5, 25)


def test_links_below_the_card_precision_raise_a_finding(world):
    record("links", "held out", {"province_held_out": {"precision": 0.9, "recall": 0.8}})
    flags(world, world.police, "links", [True] * 8 + [False] * 12, source="recorded")
    flags(world, world.levies, "links", [True] * 18 + [False] * 2, source="recorded")
    metric_drift_check()
    finding = MonitorFinding.objects.get()
    assert (finding.agency, finding.measure) == (world.police, "link_precision")
    assert (finding.count, finding.norm, finding.threshold) == (0.4, 0.9, 0.72)


def test_a_failure_is_recorded_on_the_run(world, settings):
    settings.DRIFT_TOLERANCE = "not a number"
    forecast(world, world.police, promised=0.5, hits=5, area=50)
    with pytest.raises(TypeError):
        metric_drift_check()
    assert MonitorRun.objects.get(kind="metric_drift").error.startswith("TypeError")
