"""Members of an oversight body read no incident content and submit nothing, whatever their
role there: its admin manages its members, nothing more."""

import pytest

from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def watch_admin(world):
    return factories.member(world.watchdog, "agency_admin", "watch_admin")


@pytest.mark.parametrize("tlp", ["CLEAR", "AMBER"])
def test_oversight_admin_reads_no_incident(world, client_for, watch_admin, tlp):
    # given
    made = factories.incident(world.police, world.police_submitter, tlp=tlp)
    api = client_for(watch_admin)
    # when
    listed = api.get("/api/v1/incidents/")
    detail = api.get(f"/api/v1/incidents/{made.pk}/")
    exported = api.get("/api/v1/export/?format=csv&purpose=oversight+check")
    # then
    assert listed.status_code == 403
    assert detail.status_code in (403, 404)
    assert str(made.pk) not in detail.content.decode()
    assert exported.status_code == 403


def test_oversight_admin_submits_nothing(world, client_for, watch_admin):
    # when
    single = client_for(watch_admin).post("/api/v1/incidents/", factories.payload(), format="json")
    bulk = client_for(watch_admin).post(
        "/api/v1/incidents/bulk/", {"incidents": [factories.payload()]}, format="json"
    )
    # then
    assert single.status_code == 403
    assert bulk.status_code == 403
    assert not Incident.objects.filter(agency=world.watchdog).exists()


def test_oversight_body_gets_no_service_account(world, client_for, watch_admin):
    # when
    response = client_for(watch_admin).post(
        f"/api/v1/agencies/{world.watchdog.code}/service-accounts/", {"name": "feed"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "agency" in response.json()["errors"]


def test_oversight_admin_still_manages_members(world, client_for, watch_admin):
    # given
    newcomer = factories.user("newcomer")
    # when
    response = client_for(watch_admin).post(
        f"/api/v1/agencies/{world.watchdog.code}/members/",
        {"username": newcomer.username, "role": "oversight"},
        format="json",
    )
    # then
    assert response.status_code == 201


def test_red_share_refused_to_an_oversight_admin(world, client_for, watch_admin):
    # given
    red = factories.incident(world.police, world.police_submitter, tlp="RED")
    # when
    response = client_for(world.police_admin).post(
        f"/api/v1/incidents/{red.pk}/shares/",
        {"user": watch_admin.username, "level": "view", "purpose": "named reader"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert "user" in response.json()["errors"]
