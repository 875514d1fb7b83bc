"""Standing assessments requested by beat, the sweeper of lost runs, and model cards."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from agencies.models import Membership
from analytics import standing
from analytics.models import Assessment, BacktestRun, Report, StandingAssessment
from analytics.registry import METHODS
from fusion import outbox
from fusion.models import OutboxTask
from tests.analytics.conftest import BBOX, HOT, ingest, records

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(world):
    return StandingAssessment.objects.create(
        name="weekly hotspots",
        kind="hotspots",
        owner=world.coordinator,
        agency=world.centre,
        request={"params": {"cell_size_km": 1.0}, "area": {"bbox": BBOX}},
        every_days=7,
        window_days=90,
    )


def test_beat_runs_the_standing_assessments():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"analytics.standing_due", "analytics.sweep"} <= names


def test_a_due_standing_assessment_is_requested_once_per_period(
    world, weekly, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        made = standing.run_due(now)
    assert [a.standing_id for a in made] == [weekly.pk]
    run = Assessment.objects.get()
    assert run.requester == world.coordinator
    assert run.agency == world.centre
    assert run.status == "pending_review"
    assert run.scope["occurred_before"] == now.isoformat()
    assert standing.run_due(now + timedelta(days=6)) == []
    assert len(standing.run_due(now + timedelta(days=7))) == 1


def test_a_refused_standing_request_is_recorded_and_tried_again(world, weekly):
    Membership.objects.filter(user=world.coordinator).delete()
    assert standing.run_due() == []
    weekly.refresh_from_db()
    assert "may not request assessments" in weekly.last_error
    assert weekly.last_run_at is None  # due again at the next beat
    assert not Assessment.objects.exists()


def test_a_run_the_broker_never_took_is_sent_by_the_relay(
    world, client_for, django_capture_on_commit_callbacks
):
    ingest(world.police, world.police_submitter, records(40, seed=1, centre=HOT))
    body = {"kind": "hotspots", "area": {"bbox": BBOX}, "params": {"cell_size_km": 1.0}}
    with django_capture_on_commit_callbacks(execute=False):  # not sent after commit
        pk = client_for(world.police_analyst).post("/api/v1/assessments/", body).json()["id"]
    assert outbox.waiting() == 1
    later = timezone.now() + timedelta(seconds=settings.ASSESSMENT_REQUEUE_AFTER + 1)
    assert standing.sweep(later) == 0  # its message waits in the outbox: not sent twice
    assert outbox.relay() == 1
    assert Assessment.objects.get(pk=pk).status == "pending_review"
    assert outbox.waiting() == 0


def test_the_sweeper_resends_runs_whose_message_was_lost(
    world, client_for, django_capture_on_commit_callbacks
):
    ingest(world.police, world.police_submitter, records(40, seed=1, centre=HOT))
    body = {"kind": "hotspots", "area": {"bbox": BBOX}, "params": {"cell_size_km": 1.0}}
    with django_capture_on_commit_callbacks(execute=False):
        pk = client_for(world.police_analyst).post("/api/v1/assessments/", body).json()["id"]
    # the broker took the message, then lost it (restarted without persistence)
    OutboxTask.objects.update(sent_at=timezone.now(), tries=1)
    assert standing.sweep() == 0  # not stale yet
    later = timezone.now() + timedelta(seconds=settings.ASSESSMENT_REQUEUE_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert standing.sweep(later) == 1
        assert standing.sweep(later) == 0  # its new message waits: not sent twice
    assert Assessment.objects.get(pk=pk).status == "pending_review"


def test_model_cards_have_every_section_and_metrics_from_the_latest_backtest(world, client_for):
    old = BacktestRun.objects.create(
        method="forecast",
        method_version=METHODS["forecast"]["version"],
        dataset="a",
        metrics={"x": 1},
    )
    new = BacktestRun.objects.create(
        method="forecast",
        method_version=METHODS["forecast"]["version"],
        dataset="b",
        metrics={"x": 2},
    )
    assert old.pk < new.pk
    response = client_for(world.overseer).get("/api/v1/models/")
    assert response.status_code == 200
    cards = {card["method"]: card for card in response.json()["results"]}
    assert set(cards) == {"hotspots", "surges", "forecast", "links"}
    for card in cards.values():
        for section in (
            "intended_use",
            "out_of_scope_uses",
            "inputs",
            "data",
            "metrics",
            "factors",
            "ethical_considerations",
            "limitations",
            "oversight",
            "changelog",
        ):
            assert card[section], (card["method"], section)
        assert any("individual risk scoring" in u.lower() for u in card["out_of_scope_uses"])
    assert cards["forecast"]["metrics"]["latest_backtest"]["values"] == {"x": 2}
    assert cards["hotspots"]["metrics"]["latest_backtest"] is None


def test_recorded_backtests_are_the_cards_metrics(world, client_for):
    sf = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sf-crime-2012h2.csv"
    out = StringIO()
    call_command(
        "record_backtests",
        "--runs",
        "20",
        "--forecast-csv",
        str(sf),
        "--category",
        "ROBBERY",
        "--folds",
        "2",
        "--links-csv",
        str(sf),
        stdout=out,
    )
    cards = {
        c["method"]: c for c in client_for(world.overseer).get("/api/v1/models/").json()["results"]
    }
    for kind in ("hotspots", "surges", "forecast", "links"):
        latest = BacktestRun.objects.filter(method=kind).latest("created_at")
        assert cards[kind]["metrics"]["latest_backtest"]["values"] == latest.metrics
    hot = cards["hotspots"]["metrics"]["latest_backtest"]["values"]
    assert hot["runs"] == 20
    assert 0.0 <= hot["false_alarm_rate"] <= 1.0
    assert hot["planted_cluster_detection_rate"] > 0.5  # a x4 cluster is found
    forecast = cards["forecast"]["metrics"]["latest_backtest"]["values"]
    assert forecast["winner"] in ("prior_counts", "kde", "regression", "ensemble", "etas")
    assert len(forecast["prior_counts"]["folds"]) == 2
    assert "forecast ROBBERY" in out.getvalue()
    links = cards["links"]["metrics"]["latest_backtest"]["values"]
    assert links["province_held_out"]["precision"] >= 0.95  # the labelled sets' held-out parts
    assert links["province_held_out"]["recall"] >= 0.90
    assert links["sf_held_out"]["true_pairs"] > 1000


def test_the_sweeper_resends_report_builds_whose_message_was_lost(
    world, client_for, django_capture_on_commit_callbacks
):
    body = {"period_start": "2026-11-02", "period_end": "2026-11-09"}
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(world.police_analyst).post("/api/v1/reports/", body, format="json")
    assert response.status_code == 202
    # the broker took the message, then lost it
    OutboxTask.objects.update(sent_at=timezone.now(), tries=1)
    assert standing.sweep() == 0  # not stale yet
    later = timezone.now() + timedelta(seconds=settings.ASSESSMENT_REQUEUE_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert standing.sweep(later) == 1
        assert standing.sweep(later) == 0  # its new message waits: not sent twice
    assert Report.objects.get(pk=response.json()["id"]).status == "ready"
