"""Authorization matrix of the console: every console route by every role.

The police own an incident, an agreement, a pending assessment and its flagless record, and a
complaint is filed; nothing is shared. The rules, stated plainly: anonymous callers are sent
to sign in; an object a user may not see is a 404 page, as the API answers (no-content roles
may get the API's 403 instead); nothing of the police's objects (ids, words) appears on any
page of another agency's user; no page is a 500. A console route missing from the matrix
fails the build.
"""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import get_resolver

from analytics.models import Assessment
from fusion.console import urls as console_urls
from fusion.models import SharingAgreement
from fusion.oversight.complaints import complaint_receive
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "matrix-secret-words-of-the-police"
ROLES = [
    "anonymous",
    "outsider",
    "platform_admin",
    "overseer",
    "police_admin",
    "police_submitter",
    "police_analyst",
    "levies_admin",
    "levies_analyst",
    "coordinator",
]
POLICE = {"police_admin", "police_submitter", "police_analyst"}
NO_CONTENT = {"outsider", "platform_admin", "overseer"}
# GET routes, with their path. Object routes name the police's object.
PAGES = {
    "home": "/",
    "incidents": "/incidents/",
    "incidents-map": "/incidents/map/",
    "incidents-map-data": "/incidents/map.json",
    "inbox": "/inbox/",
    "notifications": "/notifications/",
    "sharing": "/sharing/",
    "sharing-agreement-new": "/sharing/agreements/new/",
    "assessments": "/assessments/",
    "assessment-new": "/assessments/new/",
    "reports": "/reports/",
    "kpis": "/kpis/",
    "audit": "/oversight/audit/",
    "audit-verify": "/oversight/audit/verify/",
    "complaints": "/oversight/complaints/",
    "transparency": "/oversight/transparency/",
    "oversight-assessments": "/oversight/assessments/",
}
OBJECTS = {
    "incident": "/incidents/{incident}/",
    "incident-shares": "/sharing/incidents/{incident}/",
    "sharing-agreement-edit": "/sharing/agreements/{agreement}/edit/",
    "sharing-agreement-delete": "/sharing/agreements/{agreement}/delete/",
    "assessment": "/assessments/{assessment}/",
    "assessment-progress": "/assessments/{assessment}/progress/",
    "oversight-assessment": "/oversight/assessments/{assessment}/",
    "complaint": "/oversight/complaints/{complaint}/",
}
# Who may open each object (everyone else: 404, or the API's 403 for a role without content).
OPENERS = {
    "incident": POLICE,
    "incident-shares": {"police_admin"},  # the owner's other members: may not share (403)
    "sharing-agreement-edit": {"police_admin"},
    "sharing-agreement-delete": {"police_admin"},
    # pending review: its requester and the agency's reviewers (analysts), not its admin
    "assessment": {"police_analyst"},
    "assessment-progress": {"police_analyst"},
    "oversight-assessment": {"overseer", "platform_admin"},
    "complaint": {"overseer", "platform_admin"},
}
OVERSIGHT_ROUTES = {"oversight-assessment", "complaint"}  # refused by role first (403)
# Pages whose work is to show oversight every object's trail: ids of the police's objects
# are expected there for oversight and platform admins.
OVERSIGHT_PAGES = {"audit", "oversight-assessments"}
# Not pages: sign-in and enrolment (public), and routes that only take a POST.
OUTSIDE = {
    "sign-in",
    "enrol",
    "sign-out",
    "language",
    "inbox-request",
    "inbox-approve",
    "inbox-deny",
    "incident-share-revoke",
    "assessment-review",
    "assessment-flag-acknowledge",
    "method-status",
}


@pytest.fixture
def police_objects(world):
    incident = factories.incident(
        world.police, world.police_submitter, description=SECRET, tlp="AMBER"
    )
    agreement = SharingAgreement.objects.create(owner=world.police, recipient=world.centre)
    now = datetime.now(tz=UTC)
    assessment = Assessment.objects.create(
        kind="hotspots", status="pending_review", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="matrix", method_version="1",
        code_version="matrix", result={"cells": [], "warnings": []}, tlp="AMBER",
        finished_at=now,
    )  # fmt: skip
    complaint = complaint_receive(subject="matrix", details=SECRET, about="other")
    return {
        "incident": str(incident.pk),
        "agreement": str(agreement.pk),
        "assessment": str(assessment.pk),
        "complaint": complaint.reference,
    }


def browser(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def test_every_console_route_is_in_the_matrix():
    names = {pattern.name for pattern in console_urls.urlpatterns}
    assert names == set(PAGES) | set(OBJECTS) | OUTSIDE
    assert any(getattr(p, "app_name", None) == "console" for p in get_resolver().url_patterns)


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(world, police_objects, role):
    client = browser(world, role)
    foreign = [SECRET, police_objects["incident"], police_objects["assessment"]]
    wrong = []
    for name, path in PAGES.items():
        answer = client.get(path)
        if role == "anonymous":
            if name == "incidents-map-data":  # the map's script is told in JSON
                if answer.status_code != 401:
                    wrong.append((name, answer.status_code))
            elif answer.status_code != 302 or "/sign-in/" not in answer["Location"]:
                wrong.append((name, answer.status_code))
            continue
        if answer.status_code not in (200, 403):
            wrong.append((name, answer.status_code))
        if role not in POLICE and not (
            role in {"overseer", "platform_admin"} and name in OVERSIGHT_PAGES
        ):
            body = answer.content.decode()
            wrong += [(name, "shows", word) for word in foreign if word in body]
    assert not wrong, wrong


@pytest.mark.parametrize("role", ROLES)
def test_objects_by_role(world, police_objects, role):
    client = browser(world, role)
    wrong = []
    for name, template in OBJECTS.items():
        answer = client.get(template.format(**police_objects))
        status = answer.status_code
        if role == "anonymous":
            expected = {302}
        elif role in OPENERS[name]:
            expected = {200}
        elif name == "incident-shares" and role in POLICE:
            expected = {403}
        elif (
            role in NO_CONTENT
            or name in OVERSIGHT_ROUTES
            or (role in POLICE and name != "incident")
        ):
            expected = {403, 404}  # the API's refusal of the role, or not found
        else:
            expected = {404}
        if status not in expected:
            wrong.append((name, status, sorted(expected)))
        if role not in OPENERS[name] and role != "anonymous" and SECRET in answer.content.decode():
            wrong.append((name, "shows the secret"))
    assert not wrong, wrong


def test_another_agency_admin_cannot_delete_an_agreement_by_its_id(world, police_objects):
    client = browser(world, "levies_admin")
    path = f"/sharing/agreements/{police_objects['agreement']}/delete/"
    answer = client.post(path, {"confirm": "1"})
    assert answer.status_code == 404
    assert SharingAgreement.objects.filter(pk=police_objects["agreement"]).exists()


def test_an_ended_session_is_told_to_scripts_and_partial_updates_in_their_terms(client):
    data = client.get("/incidents/map.json")
    assert data.status_code == 401
    assert "sign in" in data.json()["detail"]
    part = client.get(
        "/assessments/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/kpis/?period=week",
    )
    assert part.status_code == 204
    assert part["HX-Redirect"] == "/sign-in/?next=/kpis/%3Fperiod%3Dweek"


def test_signed_in_pages_are_not_cached_and_run_only_the_services_own_code(world):
    client = browser(world, "police_analyst")
    page = client.get("/incidents/")
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert "Content-Security-Policy" not in client.get("/api/v1/incidents/")
