"""Reports: made from the approved assessments of a period, read only by those who may see
everything they show, labelled with the strictest TLP on every page, and without a result
withdrawn since."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from analytics.models import Assessment, AssessmentInput, Report
from analytics.reports import report_generate, reports_due
from fusion.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)
SQUARE = {"type": "Polygon", "coordinates": [[[67, 30], [67.01, 30], [67.01, 30.01], [67, 30]]]}


def approved(world, incidents, *, tlp="AMBER", kind="hotspots", day=1, status="approved"):
    reviewed = datetime(2026, 11, 23 + day, 12, tzinfo=UTC)
    result = {
        "cells": [
            {"id": 1, "geometry": SQUARE, "count": 5, "z": 3.1, "q": 0.01, "significant": True,
             "kind": "hot", "flagged": True, "incidents": [str(i.pk) for i in incidents]},
        ],
        "warnings": ["sparse data in one district"],
        "backtest": {"winner": "kde", "kde": {"pai_5": 9.5}},
        "model": "kde",
    }  # fmt: skip
    made = Assessment.objects.create(
        kind=kind, status=status, requester=world.police_analyst, agency=world.police,
        scope={"districts": ["Quetta"]}, params={}, scope_key="r", method_version="1",
        code_version="t", result=result, tlp=tlp, input_count=len(incidents),
        finished_at=reviewed - timedelta(hours=3), reviewed_at=reviewed,
        reviewed_by=world.police_submitter, rationale="checked against patrol logs",
    )  # fmt: skip
    AssessmentInput.objects.bulk_create(
        AssessmentInput(
            assessment=made,
            incident_id=i.pk,
            incident_version=i.version,
            agency_id=i.agency_id,
            occurred_at=i.occurred_at,
            category=i.category_id,
            latitude=i.latitude,
            longitude=i.longitude,
            district=i.district,
        )
        for i in incidents
    )
    return made


@pytest.fixture
def report(world):
    own = [factories.incident(world.police, world.police_submitter) for _ in range(3)]
    approved(world, own, tlp="AMBER", day=1)
    approved(world, own[:1], tlp="AMBER+STRICT", kind="forecast", day=2)
    approved(world, own, tlp="RED", day=3, status="rejected")
    return report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))


def get(client_for, user, report, suffix="/", **params):
    return client_for(user).get(f"/api/v1/reports/{report.pk}{suffix}", params)


def test_a_report_holds_the_periods_approved_results_with_the_strictest_label(
    world, client_for, report
):
    # when
    response = get(client_for, world.police_analyst, report)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["tlp"] == "AMBER+STRICT" == response["TLP"]
    assert [s["kind"] for s in body["sections"]] == ["hotspots", "forecast"]
    assert body["sections"][0]["hot_cells"] == 1
    assert body["sections"][1]["backtest_winner"] == "kde"
    kpis = body["kpis"]
    assert (kpis["results_reviewed"], kpis["results_approved"], kpis["results_rejected"]) == (
        3,
        2,
        1,
    )
    assert kpis["median_hours_result_to_decision"] == 3.0
    assert kpis["not_measured"]
    assert sum(sum(v) for v in body["trend"]["series"].values()) == 3
    assert AuditEntry.objects.filter(event="report.read", actor=world.police_analyst).exists()


def test_the_reports_figures_count_only_results_the_reader_may_see(world, client_for, report):
    # given: after the report was made, a result over a levies incident the police may not
    # see was approved in its period (its requester, the police analyst, sees it)
    approved(world, [factories.incident(world.levies, world.levies_submitter)], day=4)
    # when: the police admin reads the report, then its requester
    admin = get(client_for, world.police_admin, report).json()["kpis"]
    requester = get(client_for, world.police_analyst, report).json()["kpis"]
    # then: the admin counts neither the rejected result (its requester's alone) nor the one
    # over a hidden incident; the requester counts both
    figures = ("results_reviewed", "results_approved", "results_rejected")
    assert tuple(admin[k] for k in figures) == (2, 2, 0)
    assert tuple(requester[k] for k in figures) == (4, 3, 1)


def test_nothing_approved_makes_no_report(world):
    assert (
        report_generate(agency=world.levies, start=MONDAY, end=MONDAY + timedelta(days=7)) is None
    )


def test_last_weeks_reports_are_made_once(world, report):
    # when
    now = datetime(2026, 12, 2, 6, tzinfo=UTC)  # a Wednesday: last week is 23 to 30 November
    first, again = reports_due(now), reports_due(now)
    # then
    assert [r.pk for r in first] == [r.pk for r in again] == [report.pk]
    assert Report.objects.count() == 1


def test_a_withdrawn_result_leaves_the_report(world, client_for, report):
    # given
    forecast = report.assessments.get(kind="forecast")
    Assessment.objects.filter(pk=forecast.pk).update(status="rejected")
    # when
    body = get(client_for, world.police_analyst, report).json()
    # then
    assert [s["kind"] for s in body["sections"]] == ["hotspots"]
    assert body["tlp"] == "AMBER"


@pytest.mark.parametrize(
    ("role", "status"),
    [("levies_analyst", 404), ("overseer", 403), ("outsider", 403), ("police_admin", 200)],
)
def test_only_readers_who_see_every_input_read_a_report(world, client_for, report, role, status):
    assert get(client_for, getattr(world, role), report).status_code == status
    assert client_for(None).get(f"/api/v1/reports/{report.pk}/").status_code == 401


def test_a_report_with_an_input_the_reader_may_not_see_is_not_found(world, client_for):
    # given: a centre assessment over a levies incident that police cannot see
    hidden = factories.incident(world.levies, world.levies_submitter, tlp="AMBER")
    approved(world, [hidden])
    made = report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))
    # when
    response = get(client_for, world.police_submitter, made)
    listed = client_for(world.police_submitter).get("/api/v1/reports/").json()["results"]
    # then
    assert response.status_code == 404
    assert listed == []


def test_the_html_report_is_labelled_above_and_below(world, client_for, report):
    # when
    response = get(client_for, world.police_analyst, report, suffix=".html")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert html.count("TLP:AMBER+STRICT") >= 3  # title, top, bottom
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="map"') == 2
    assert html.count('class="trend"') == 1


def test_the_pdf_report_has_its_label_on_every_page(world, client_for, report):
    # when
    response = client_for(world.police_analyst).get(
        f"/api/v1/reports/{report.pk}/", {"format": "pdf"}
    )
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 5  # summary, two maps, trend, tables, appendix
    assert all(text.count("TLP:AMBER+STRICT") >= 2 for text in pages)


def test_an_unknown_format_is_json_error(world, client_for, report):
    response = get(client_for, world.police_analyst, report, suffix=".docx")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def withdraw(client_for, user, assessment, rationale="counts double-entered; superseded"):
    return client_for(user).post(
        f"/api/v1/assessments/{assessment.pk}/withdraw/", {"rationale": rationale}, format="json"
    )


def test_a_withdrawn_result_leaves_reports_and_views_and_is_audited(world, client_for, report):
    # given
    forecast = report.assessments.get(kind="forecast")
    # when
    response = withdraw(client_for, world.police_analyst, forecast)
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["withdrawal"]["by"] == "police_analyst"
    content = get(client_for, world.police_admin, report).json()
    assert [s["kind"] for s in content["sections"]] == ["hotspots"]
    assert (
        client_for(world.police_admin).get(f"/api/v1/assessments/{forecast.pk}/").status_code == 404
    )
    changes = AuditEntry.objects.filter(object_pk=str(forecast.pk), action=1).last().changes
    assert changes["status"] == ["approved", "withdrawn"]
    assert "withdrawal_rationale" in changes


def test_withdrawal_needs_a_reviewer_a_rationale_and_an_approved_result(world, client_for, report):
    hotspots = report.assessments.get(kind="hotspots")
    assert withdraw(client_for, world.police_submitter, hotspots).status_code == 403
    assert withdraw(client_for, world.levies_analyst, hotspots).status_code == 404
    short = withdraw(client_for, world.police_analyst, hotspots, rationale="no")
    assert short.status_code == 400
    assert "rationale" in short.json()["errors"]
    assert withdraw(client_for, world.police_analyst, hotspots).status_code == 200
    assert withdraw(client_for, world.police_analyst, hotspots).status_code == 409


def test_a_surges_section_says_whether_incidents_are_rising(world, client_for):
    # given: an approved surges result with a province-wide level shift and trend
    own = [factories.incident(world.police, world.police_submitter) for _ in range(2)]
    surges = approved(world, own, kind="surges", day=1)
    rising = "incidents per week rose 2.1x from 2026-09-07 on (10.2 before, 21.4 after)"
    trend = "rising: incidents per week x2.5 per year (95% CI 1.9-3.3)"
    surges.result = {
        "surges": [], "warnings": [],
        "aggregates": [{"level": "province", "district": "*", "category": "*",
                        "significant": True, "observed": 30, "expected": 12.0}],
        "level_shift": {"detected": True, "summary": rising}, "trend": {"summary": trend},
    }  # fmt: skip
    surges.save()
    made = report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))
    # when
    html = get(client_for, world.police_analyst, made, suffix=".html").content.decode()
    body = get(client_for, world.police_analyst, made).json()
    # then
    assert rising in html
    assert trend in html
    section = next(s for s in body["sections"] if s["kind"] == "surges")
    assert section["aggregate_surges"][0]["level"] == "province"


def test_the_report_language_is_chosen_per_read_and_a_bad_one_is_a_400(client_for, world, report):
    client = client_for(world.police_analyst)
    urdu = client.get(f"/api/v1/reports/{report.pk}.html?lang=ur")
    assert urdu.status_code == 200
    assert urdu["Content-Language"] == "ur"
    assert b'dir="rtl"' in urdu.content
    english = client.get(f"/api/v1/reports/{report.pk}.html")
    assert b'dir="rtl"' not in english.content
    bad = client.get(f"/api/v1/reports/{report.pk}.html?lang=xx")
    assert bad.status_code == 400
    assert "lang" in bad.json()["errors"]
