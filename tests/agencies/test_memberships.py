"""Who may add whom to an agency, what the answers tell, and which credentials a removal or
a deactivation ends."""

import pytest
from django.contrib.sessions.models import Session

from agencies.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/agencies/police/members/"


def _add(client, username: str):
    return client.post(MEMBERS, {"username": username, "role": "analyst"}, format="json")


def test_unknown_and_forbidden_usernames_answer_alike(world, client_for):
    # given
    admin = client_for(world.police_admin)
    # when
    unknown = _add(admin, "nobody-by-this-name")
    other_admin = _add(admin, "levies_admin")
    platform_admin = _add(admin, "root")
    # then
    assert unknown.status_code == other_admin.status_code == platform_admin.status_code == 400
    assert unknown.json() == other_admin.json() == platform_admin.json()
    assert not Membership.objects.filter(agency=world.police, user__username__in=["root"]).exists()
    assert not Membership.objects.filter(agency=world.police, user=world.levies_admin).exists()


def test_other_agency_admin_keeps_tokens_when_an_admin_tries_to_capture_them(world, client_for):
    # given
    victim = client_for(world.levies_admin)
    root = client_for(world.platform_admin)
    attacker = client_for(world.police_admin)
    # when
    _add(attacker, "levies_admin")
    _add(attacker, "root")
    membership = Membership.objects.filter(agency=world.police, user=world.levies_admin).first()
    if membership is not None:  # the old rule let it in: remove it again
        attacker.delete(f"{MEMBERS}{membership.pk}/")
    # then
    assert victim.get("/api/v1/agencies/").status_code == 200
    assert root.get("/api/v1/users/").status_code == 200
    created = victim.post("/api/v1/incidents/", factories.payload(), format="json")
    assert created.status_code == 201


def test_platform_admin_adds_a_user_of_another_agency(world, client_for):
    response = _add(client_for(world.platform_admin), "levies_analyst")
    assert response.status_code == 201


def test_agency_admin_adds_a_user_of_no_agency(world, client_for):
    factories.user("fresh_hire")
    response = _add(client_for(world.police_admin), "fresh_hire")
    assert response.status_code == 201


def test_share_to_unknown_user_and_to_user_reading_nothing_answer_alike(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter, tlp="RED")
    admin = client_for(world.police_admin)
    url = f"/api/v1/incidents/{incident.pk}/shares/"

    def share(username: str):
        body = {"user": username, "level": "view", "purpose": "probe"}
        return admin.post(url, body, format="json")

    # when
    unknown = share("nobody-by-this-name")
    reads_nothing = share("outsider")
    # then
    assert unknown.status_code == reads_nothing.status_code == 400
    assert unknown.json() == reads_nothing.json()


def test_removal_ends_only_the_tokens_that_acted_for_that_agency(world, client_for):
    # given: a police submitter who is also a levies analyst, with one token for each
    person = world.police_submitter
    Membership.objects.create(user=person, agency=world.levies, role="analyst")
    person.groups.add(world.levies.group)
    for_police, for_levies = client_for(person), client_for(person)
    submitted = for_police.post(
        "/api/v1/incidents/", factories.payload(agency="police"), format="json"
    )
    requested = for_levies.post(
        "/api/v1/assessments/", {"kind": "hotspots", "agency": "levies"}, format="json"
    )
    assert submitted.status_code == 201
    assert requested.status_code in (201, 202), requested.content
    membership = Membership.objects.get(user=person, agency=world.police)
    # when
    removed = client_for(world.police_admin).delete(f"{MEMBERS}{membership.pk}/")
    # then
    assert removed.status_code == 204
    assert for_police.get("/api/v1/agencies/").status_code == 401
    assert for_levies.get("/api/v1/agencies/").status_code == 200


def test_removing_the_last_membership_ends_every_token(world, client_for):
    # given
    idle = client_for(world.police_analyst)  # never acted for police
    membership = Membership.objects.get(user=world.police_analyst)
    # when
    client_for(world.police_admin).delete(f"{MEMBERS}{membership.pk}/")
    # then
    assert idle.get("/api/v1/agencies/").status_code == 401


def test_deactivation_ends_every_token_and_session(world, client_for, client):
    # given
    token_client = client_for(world.levies_analyst)
    client.force_login(world.levies_analyst)
    assert client.get("/api/v1/agencies/").status_code == 200
    session_key = client.session.session_key
    # when
    response = client_for(world.platform_admin).patch(
        f"/api/v1/users/{world.levies_analyst.pk}/", {"is_active": False}, format="json"
    )
    # then
    assert response.status_code == 200
    assert token_client.get("/api/v1/agencies/").status_code == 401
    assert not Session.objects.filter(session_key=session_key).exists()
