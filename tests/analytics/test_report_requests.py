"""Reports asked for a period: who may ask, the period's checks, one report per agency and
period, the build on a worker (queued → running → ready, or failed with its error)."""

from datetime import UTC, date, datetime, timedelta

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from analytics import report_requests
from analytics.models import Assessment, AssessmentInput, Report
from analytics.reports import report_generate, reports_due
from fusion.models import AuditEntry, OutboxTask
from tests import factories
from tests.test_schema_responses import assert_conforms

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"
WEEK = date(2026, 11, 23)  # a Monday
PERIOD = {"period_start": WEEK.isoformat(), "period_end": (WEEK + timedelta(days=7)).isoformat()}


def approved(world, when: datetime, agency=None, requester=None) -> Assessment:
    return Assessment.objects.create(
        kind="hotspots", status="approved", requester=requester or world.police_analyst,
        agency=agency or world.police, scope={}, params={}, scope_key="asked",
        method_version="1", code_version="asked", result={"cells": [], "warnings": []},
        tlp="AMBER", finished_at=when, reviewed_at=when, reviewed_by=world.police_submitter,
    )  # fmt: skip


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_an_analyst_asks_for_a_period_and_a_worker_builds_it(world, client_for, capture):
    # given
    shown = approved(world, datetime(2026, 11, 25, 9, tzinfo=UTC))
    approved(world, datetime(2026, 12, 1, 9, tzinfo=UTC))  # after the period: not in it
    api = client_for(world.police_analyst)
    # when
    with capture(execute=False) as hooks:
        response = api.post(URL, PERIOD, format="json")
    # then: queued, and its build waits for the commit
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["requested_by"] == "police_analyst"
    assert body["agency"] == "police"
    assert (body["period_start"], body["period_end"]) == ("2026-11-23", "2026-11-30")
    assert len(hooks) == 1
    # when the worker builds it
    hooks[0]()
    # then
    report = Report.objects.get(pk=body["id"])
    assert report.status == "ready"
    assert report.finished_at is not None
    assert list(report.assessments.all()) == [shown]
    read = api.get(f"{URL}{body['id']}/").json()
    assert [s["assessment"] for s in read["sections"]] == [str(shown.pk)]
    listed = {r["id"]: r for r in api.get(URL).json()["results"]}
    assert listed[body["id"]]["status"] == "ready"
    assert api.get(f"{URL}{body['id']}.html").status_code == 200


def test_asking_again_answers_the_same_report(world, client_for, capture):
    # given
    api = client_for(world.police_analyst)
    with capture(execute=True):
        first = api.post(URL, PERIOD, format="json")
    # when
    with capture(execute=True) as hooks:
        again = client_for(world.police_analyst).post(URL, PERIOD, format="json")
    # then
    assert first.status_code == 202
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "ready"
    assert not hooks  # nothing queued again
    assert Report.objects.count() == 1


def test_the_weekly_report_and_one_asked_for_are_one_report(world, client_for, capture):
    # given: last week's report made on the schedule
    approved(world, datetime(2026, 11, 25, 9, tzinfo=UTC))
    weekly = report_generate(agency=world.police, start=WEEK, end=WEEK + timedelta(days=7))
    # when: the same week is asked for
    with capture(execute=True):
        response = client_for(world.police_analyst).post(URL, PERIOD, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["id"] == str(weekly.pk)
    assert response.json()["status"] == "ready"
    assert response.json()["requested_by"] is None  # made on the schedule


def test_a_report_asked_for_then_made_weekly_stays_one_report(world, client_for, capture):
    # given: asked for, its build not yet run
    approved(world, datetime(2026, 11, 25, 9, tzinfo=UTC))
    with capture(execute=False):
        asked = client_for(world.police_analyst).post(URL, PERIOD, format="json").json()
    # when: the weekly run makes that week's reports
    made = reports_due(now=datetime(2026, 12, 1, 3, tzinfo=UTC))
    # then
    assert [str(r.pk) for r in made] == [asked["id"]]
    assert Report.objects.get().status == "ready"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("police_analyst", 202),
        ("coordinator", 202),
        ("police_submitter", 403),
        ("police_admin", 403),
        ("overseer", 403),
        ("platform_admin", 403),
        ("outsider", 403),
        ("anonymous", 401),
    ],
)
def test_only_analysts_and_coordinators_ask_for_reports(world, client_for, role, expected):
    # given
    api = client_for(None if role == "anonymous" else getattr(world, role))
    # when
    response = api.post(URL, PERIOD, format="json")
    # then
    assert response.status_code == expected, response.content
    assert Report.objects.count() == (1 if expected == 202 else 0)


def test_a_coordinator_asks_for_the_fusion_centre(world, client_for):
    response = client_for(world.coordinator).post(URL, PERIOD, format="json")
    assert response.status_code == 202
    assert response.json()["agency"] == "bfc"


def _tomorrow() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period_end": "2026-11-30"}, "period_start"),
        ({"period_start": "2026-11-23"}, "period_end"),
        ({"period_start": "23/11/2026", "period_end": "2026-11-30"}, "period_start"),
        ({"period_start": "2026-11-23", "period_end": "2026-11-23"}, "period_end"),
        ({"period_start": "2026-11-23", "period_end": "2026-11-20"}, "period_end"),
        ({"period_start": "2024-11-23", "period_end": "2025-11-25"}, "period_end"),
        ({**PERIOD, "colour": "red"}, "colour"),
        ({"period_start": "0001-01-01", "period_end": "0001-01-02"}, "period_start"),
        (
            {"period_start": "2026-11-23", "period_end": (_tomorrow() + timedelta(1)).isoformat()},
            "period_end",
        ),
        (
            {"period_start": _tomorrow().isoformat(), "period_end": "2099-01-01"},
            "period_start",
        ),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(world, client_for, body, field):
    response = client_for(world.police_analyst).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Report.objects.count() == 0


def test_a_period_of_366_days_ending_tomorrow_is_accepted(world, client_for):
    end = _tomorrow()
    body = {"period_start": (end - timedelta(days=366)).isoformat(), "period_end": end.isoformat()}
    response = client_for(world.police_analyst).post(URL, body, format="json")
    assert response.status_code == 202, response.content


def test_a_failed_build_is_recorded_and_asking_again_queues_it_again(
    world, client_for, capture, monkeypatch
):
    # given: the build breaks
    def broken(report: Report) -> None:
        raise ValueError("the map could not be drawn")

    monkeypatch.setattr(report_requests, "report_fill", broken)
    api = client_for(world.police_analyst)
    with capture(execute=True):
        first = api.post(URL, PERIOD, format="json").json()
    # then: failed, with the reason on the record
    failed = api.get(URL).json()["results"][0]
    assert failed["id"] == first["id"]
    assert failed["status"] == "failed"
    assert "the map could not be drawn" in failed["error"]
    # when asked again once the cause is gone
    monkeypatch.undo()
    with capture(execute=True):
        again = api.post(URL, PERIOD, format="json")
    # then
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    report = Report.objects.get()
    assert (report.status, report.error) == ("ready", "")


def test_a_delivered_twice_build_changes_nothing(world, client_for, capture):
    approved(world, datetime(2026, 11, 25, 9, tzinfo=UTC))
    with capture(execute=True):
        pk = client_for(world.police_analyst).post(URL, PERIOD, format="json").json()["id"]
    before = Report.objects.get(pk=pk)
    report_requests.report_build(pk)
    after = Report.objects.get(pk=pk)
    assert (after.status, after.finished_at) == ("ready", before.finished_at)


def test_asking_is_audited_with_the_period(world, client_for, capture):
    with capture(execute=True):
        pk = client_for(world.police_analyst).post(URL, PERIOD, format="json").json()["id"]
    entry = AuditEntry.objects.get(event="report.request", object_pk=pk)
    assert entry.actor == world.police_analyst
    assert entry.additional_data["period_start"] == "2026-11-23"
    assert entry.additional_data["outcome"] == "queued"


def test_the_build_is_sent_through_the_outbox(world, client_for):
    # when: asked for (the test's transaction never commits: nothing is sent)
    response = client_for(world.police_analyst).post(URL, PERIOD, format="json")
    # then: the task waits in the outbox with the request's transaction
    task = OutboxTask.objects.get(key=f"analytics.report_build:{response.json()['id']}")
    assert task.task == "analytics.report_build"


def test_reading_an_asked_for_report_follows_the_read_rules(world, client_for, capture):
    with capture(execute=True):
        pk = client_for(world.police_analyst).post(URL, PERIOD, format="json").json()["id"]
    assert client_for(world.police_submitter).get(f"{URL}{pk}/").status_code == 200
    assert client_for(world.levies_analyst).get(f"{URL}{pk}/").status_code == 404


def test_answers_fit_the_schema(world, client_for, capture):
    openapi = SchemaGenerator().get_schema(request=None, public=True)
    api = client_for(world.police_analyst)
    with capture(execute=True):
        queued = api.post(URL, PERIOD, format="json")
    assert_conforms(openapi, "/api/v1/reports/", "post", queued)
    assert_conforms(openapi, "/api/v1/reports/", "post", api.post(URL, PERIOD, format="json"))
    assert_conforms(openapi, "/api/v1/reports/", "post", api.post(URL, {}, format="json"))
    assert_conforms(openapi, "/api/v1/reports/", "get", api.get(URL))
    body = openapi["paths"]["/api/v1/reports/"]["post"]["requestBody"]["content"]
    jsonschema.validate(PERIOD, body["application/json"]["schema"] | openapi)


def test_asking_for_a_period_whose_report_shows_a_hidden_result_is_a_404(
    world, client_for, capture
):
    # given: the police report of the week shows a colleague's result over an incident the
    # police analyst may not see (a levies one, from a share since revoked)
    when = datetime(2026, 11, 25, 9, tzinfo=UTC)
    result = approved(world, when, requester=world.police_admin)
    levies = factories.incident(world.levies, world.levies_submitter, tlp="AMBER")
    AssessmentInput.objects.create(
        assessment=result, incident_id=levies.pk, incident_version=levies.version,
        agency_id=world.levies.pk, occurred_at=levies.occurred_at, category="robbery",
        latitude=levies.latitude, longitude=levies.longitude, tlp="AMBER",
    )  # fmt: skip
    weekly = report_generate(agency=world.police, start=WEEK, end=WEEK + timedelta(days=7))
    api = client_for(world.police_analyst)
    assert api.get(f"{URL}{weekly.pk}/").status_code == 404
    # when
    with capture(execute=True):
        response = api.post(URL, PERIOD, format="json")
    # then: as a read of it would answer; nothing of it is told
    assert response.status_code == 404, response.content
    assert str(weekly.pk) not in response.content.decode()
