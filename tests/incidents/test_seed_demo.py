"""The demo seed: agencies, users in every role, incidents with persons, all audited."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, Membership, User
from analytics.models import Assessment, Report
from fusion.models import AccessRequest, AuditEntry, Match, SharingAgreement
from fusion.oversight import transparency
from fusion.sharing.visibility import visible_incidents
from incidents.districts import register
from incidents.models import Incident, Person

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_world_once():
    # when
    out = StringIO()
    call_command("seed_demo", "--incidents", "300", stdout=out)
    again = StringIO()
    call_command("seed_demo", "--incidents", "300", stdout=again)
    # then
    assert Agency.objects.count() >= 6
    assert Agency.objects.filter(kind="fusion_centre").count() == 1
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    incidents = Incident.objects.count()
    assert incidents >= 300
    assert Person.objects.exists()
    assert (
        AuditEntry.objects.filter(event="demo.seed", content_type__model="incident").count()
        == incidents
    )
    assert Incident.objects.values("district").distinct().count() >= 10
    assert "bpol.analyst" in out.getvalue()
    assert "already present" in again.getvalue()
    assert Incident.objects.count() == incidents


def test_the_demo_world_exercises_every_role(monkeypatch):
    """Four eyes, sharing with the fusion centre, matches, an open request, reviewed results
    and last week's report exist the moment the demo opens."""
    monkeypatch.setenv("PORT", "8765")
    out = StringIO()
    call_command("seed_demo", "--incidents", "1200", stdout=out)
    printed = out.getvalue()
    centre = Agency.objects.get(kind="fusion_centre")
    coordinator = User.objects.get(username="bfc.coordinator")

    # every incident lies in its district, as ingest would check
    districts = register()
    placed = Incident.objects.values_list("district", "latitude", "longitude")
    assert all(districts.contains(*place) for place in placed)
    # two analysts in every agency that has analysts: one can review the other's result
    analysts = Counter(
        Membership.objects.filter(role=Role.ANALYST).values_list("agency__code", flat=True)
    )
    assert analysts
    assert set(analysts.values()) == {2}
    # every other agency shares with the fusion centre, so its coordinator sees their records
    owners = set(
        SharingAgreement.objects.filter(recipient=centre, active=True).values_list(
            "owner__code", flat=True
        )
    )
    assert owners == {"bpol", "levies", "ctd", "civdef", "sb"}
    seen = visible_incidents(coordinator).exclude(agency=centre)
    assert seen.exclude(tlp="CLEAR").count() > seen.filter(tlp="CLEAR").count() > 0
    # duplicate reports are matched; one request for access waits for the owner's decision
    assert Match.objects.filter(kind="event").exclude(agency_a=F("agency_b")).count() >= 10
    assert AccessRequest.objects.filter(status="pending").count() == 1
    # results reviewed by a second analyst, none made TLP:RED by one RED input
    approved = Assessment.objects.filter(status="approved")
    assert approved.filter(kind="surges").exists()
    assert approved.filter(kind="links").exists()
    assert all(a.reviewed_by_id not in (None, a.requester_id) for a in approved)
    assert Assessment.objects.filter(status="pending_review").exists()
    assert not Assessment.objects.filter(tlp__in=["RED", "AMBER+STRICT"]).exists()
    # the recent surge is flagged at default settings
    current = approved.filter(kind="surges").order_by("-created_at").first()
    flagged = {(s["district"], s["category"]) for s in current.result["surges"] if s["significant"]}
    assert ("Mastung", "armed-assault") in flagged
    assert current.params == {
        "period": "week",
        "baseline_periods": 8,
        "fdr": 0.05,
        "min_observed": 3,
    }
    # last week's report
    this_monday = timezone.now().date() - timedelta(days=timezone.now().weekday())
    report = Report.objects.get(agency=centre)
    assert (report.period_start, report.period_end) == (
        this_monday - timedelta(days=7),
        this_monday,
    )
    assert report.assessments.count() == 3
    # the public figures are not all zero
    published = transparency.statistics()["measures"]
    assert any(month for month in published["incidents_recorded"]["monthly"])
    assert any(month for month in published["shares_granted"]["monthly"])
    # links printed where the server answers, for the users the seed made
    assert "http://127.0.0.1:8765/api/v1/incidents/" in printed
    assert ":8000" not in printed
    assert "bfc.analyst2" in printed


def test_a_second_run_lists_only_the_demo_users_and_claims_no_password():
    call_command("seed_demo", "--incidents", "200", stdout=StringIO())
    User.objects.create_user("later.user", password="another-password-entirely")
    again = StringIO()
    call_command("seed_demo", "--incidents", "200", "--url", "http://demo:9000", stdout=again)
    printed = again.getvalue()
    assert "later.user" not in printed
    assert "password for all" not in printed
    assert "http://demo:9000/api/v1/" in printed
