"""Notifications for agency admins: refused reads of their incidents, searches returning their
persons, access requests and matches — naming the other agency, never its content or a
person's identifiers."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fusion.models import AccessRequest
from fusion.sharing.shares import share_grant
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
NATIONAL_ID = "54400-1234567-1"


def feed(client_for, user, **params):
    response = client_for(user).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_refused_read_is_logged_and_told_to_the_owner_only(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    api = client_for(world.levies_analyst)
    # when
    refused = api.get(f"/api/v1/incidents/{incident.pk}/")
    missing = api.get(f"/api/v1/incidents/{uuid.uuid4()}/")
    # then the caller learns nothing
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    [notice] = [n for n in feed(client_for, world.police_admin) if n["kind"] == "refused_read"]
    assert (notice["incident"], notice["by_agency"], notice["agency"]) == (
        str(incident.pk),
        "levies",
        "police",
    )
    assert not [n for n in feed(client_for, world.levies_admin) if n["kind"] == "refused_read"]


def test_asking_for_a_hidden_incidents_shares_is_a_refused_read_too(world, client_for):
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    api = client_for(world.levies_admin)
    refused = api.get(f"/api/v1/incidents/{incident.pk}/shares/")
    missing = api.get(f"/api/v1/incidents/{uuid.uuid4()}/shares/")
    posted = api.post(f"/api/v1/incidents/{incident.pk}/shares/", {}, format="json")
    assert refused.status_code == missing.status_code == posted.status_code == 404
    assert refused.content == missing.content
    notices = [n for n in feed(client_for, world.police_admin) if n["kind"] == "refused_read"]
    assert [n["incident"] for n in notices] == [str(incident.pk)] * 2
    assert client_for(world.levies_admin).get("/api/v1/incidents/nonsense/shares/").status_code == (
        404
    )


def test_a_visible_incident_filtered_out_of_a_detail_read_is_no_refusal(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter, tlp="GREEN")
    # when: the list's filters apply to a detail read too, so this answers 404
    response = client_for(world.police_analyst).get(
        f"/api/v1/incidents/{incident.pk}/", {"tlp": "RED"}
    )
    # then
    assert response.status_code == 404
    assert not [n for n in feed(client_for, world.police_admin) if n["kind"] == "refused_read"]


def test_a_search_returning_an_agencys_persons_is_told_without_identifiers(world, client_for):
    # given
    incident = factories.incident(
        world.police,
        world.police_submitter,
        persons=[{"role": "victim", "full_name": "Gul Khan", "national_id": NATIONAL_ID}],
    )
    share_grant(
        actor=world.police_admin,
        incident=incident,
        agency=world.levies,
        level="view_persons",
        purpose="joint investigation",
    )
    # when
    found = client_for(world.levies_analyst).get(
        "/api/v1/persons/search/", {"national_id": NATIONAL_ID, "purpose": "case 17 follow-up"}
    )
    # then
    assert found.status_code == 200
    notices = [n for n in feed(client_for, world.police_admin) if n["kind"] == "person_search"]
    assert [(n["by_agency"], n["persons"]) for n in notices] == [("levies", 1)]
    body = client_for(world.police_admin).get(URL).content.decode()
    assert NATIONAL_ID not in body
    assert "Gul Khan" not in body


def test_access_requests_and_matches_reach_the_admins_they_concern(world, client_for):
    # given: the same event reported by both agencies, and a request for police's incident
    at = datetime(2026, 3, 1, 8, tzinfo=UTC)
    common = {"occurred_at": at, "reported_at": at + timedelta(hours=1), "category": "bombing-ied"}
    police = factories.incident(world.police, world.police_submitter, **common)
    factories.incident(world.levies, world.levies_submitter, latitude=30.185, **common)
    AccessRequest.objects.create(
        requester=world.levies_analyst,
        requester_agency=world.levies,
        incident=police,
        purpose="same blast?",
    )
    # when
    police_feed = feed(client_for, world.police_admin)
    levies_feed = feed(client_for, world.levies_admin)
    # then
    kinds = sorted(n["kind"] for n in police_feed)
    assert kinds == ["access_request", "match"]
    [match] = [n for n in police_feed if n["kind"] == "match"]
    assert (match["incident"], match["by_agency"]) == (str(police.pk), "levies")
    assert [n["kind"] for n in levies_feed] == ["match"]
    assert "same blast" not in str(police_feed)


def test_since_narrows_the_feed_and_must_have_an_offset(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter)
    api = client_for(world.police_admin)
    # then
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert api.get(URL, {"since": future}).json()["results"] == []
    for value in ("2026-01-01T00:00:00", "2026-02-30T00:00:00+00:00"):
        bad = api.get(URL, {"since": value})
        assert bad.status_code == 400
        assert "since" in bad.json()["errors"]


def test_only_agency_admins_members_who_read_incidents_and_oversight_get_notifications(
    world, client_for
):
    assert client_for(world.outsider).get(URL).status_code == 403
    # oversight is told what the misuse monitor found (tests/fusion/test_read_monitor.py)
    assert client_for(world.overseer).get(URL).json()["results"] == []


@pytest.mark.parametrize("role", ["police_analyst", "police_submitter"])
def test_members_get_only_what_is_addressed_to_them(world, client_for, role):
    # given: what the police admins are told
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    client_for(world.levies_analyst).get(f"/api/v1/incidents/{incident.pk}/")
    assert feed(client_for, world.police_admin)
    # then
    assert feed(client_for, getattr(world, role)) == []
