"""The requester of an access request is told of its approval or denial in their notifications;
no one else is, and the notice shows no more than the requester may see."""

import pytest

from fusion.models import AccessRequest
from fusion.sharing.shares import share_revoke
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def feed(client_for, user) -> list[dict]:
    response = client_for(user).get(URL)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def decisions(client_for, user) -> list[dict]:
    return [n for n in feed(client_for, user) if n["kind"].startswith("access_request_")]


def requested(world) -> AccessRequest:
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    return AccessRequest.objects.create(
        requester=world.levies_analyst,
        requester_agency=world.levies,
        incident=incident,
        purpose="same blast?",
    )


def test_the_requester_is_told_of_an_approval_and_sees_the_incident(world, client_for):
    # given
    request = requested(world)
    # when
    approved = client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request.pk}/approve/", {"level": "view"}, format="json"
    )
    # then
    assert approved.status_code == 200, approved.content
    [notice] = decisions(client_for, world.levies_analyst)
    assert notice["kind"] == "access_request_approved"
    assert (notice["access_request"], notice["incident"]) == (request.pk, str(request.incident_id))
    assert (notice["agency"], notice["by_agency"], notice["level"]) == ("levies", "police", "view")
    assert notice["expires_at"] is not None


def test_the_requester_is_told_of_a_denial_without_the_incident(world, client_for):
    # given
    request = requested(world)
    # when
    client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request.pk}/deny/", {"reason": "not this case"}, format="json"
    )
    # then
    [notice] = decisions(client_for, world.levies_analyst)
    assert notice["kind"] == "access_request_denied"
    assert notice["reason"] == "not this case"
    assert notice["incident"] is None
    assert str(request.incident_id) not in str(notice)


def test_no_one_but_the_requester_is_told(world, client_for):
    # given
    request = requested(world)
    client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request.pk}/approve/", {"level": "view"}, format="json"
    )
    # then: neither the requester's colleagues nor the owner's members get the notice
    # nor oversight, whose notifications are monitoring findings only
    for user in (world.levies_admin, world.levies_submitter, world.police_admin, world.overseer):
        assert decisions(client_for, user) == []


def test_once_the_share_ends_the_notice_no_longer_shows_the_incident(world, client_for):
    # given
    request = requested(world)
    client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request.pk}/approve/", {"level": "view"}, format="json"
    )
    request.refresh_from_db()
    # when
    share_revoke(actor=world.police_admin, share=request.share)
    # then
    [notice] = decisions(client_for, world.levies_analyst)
    assert notice["kind"] == "access_request_approved"
    assert (notice["incident"], notice["level"], notice["expires_at"]) == (None, None, None)
