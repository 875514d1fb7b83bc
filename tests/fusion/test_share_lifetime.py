"""A share lasts at most FUSION_SHARE_MAX_DAYS, whether an admin makes it on the incident or
by approving an access request: an `expires_at` beyond that is a 400 naming it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fusion.models import AccessRequest, ShareGrant
from tests import factories

pytestmark = pytest.mark.django_db

FAR = "9999-01-01T00:00:00+00:00"


@pytest.fixture
def amber(world):
    return factories.incident(world.police, world.police_submitter, tlp="AMBER")


def share(client, incident, expires_at: str):
    body = {"agency": "levies", "level": "view", "purpose": "joint operation",
            "expires_at": expires_at}  # fmt: skip
    return client.post(f"/api/v1/incidents/{incident.pk}/shares/", body, format="json")


def approve(client, world, incident, expires_at: str):
    request = AccessRequest.objects.create(
        requester=world.levies_analyst,
        requester_agency=world.levies,
        incident=incident,
        purpose="same blast?",
    )
    body = {"level": "view", "expires_at": expires_at}
    return client.post(f"/api/v1/access-requests/{request.pk}/approve/", body, format="json")


def test_a_share_beyond_the_maximum_is_refused(world, client_for, amber):
    # when
    response = share(client_for(world.police_admin), amber, FAR)
    # then
    assert response.status_code == 400, response.content
    assert "expires_at" in response.json()["errors"]
    assert not ShareGrant.objects.exists()


def test_an_approval_beyond_the_maximum_is_refused(world, client_for, amber):
    # when
    response = approve(client_for(world.police_admin), world, amber, FAR)
    # then
    assert response.status_code == 400, response.content
    assert "expires_at" in response.json()["errors"]
    assert not ShareGrant.objects.exists()
    assert AccessRequest.objects.get().status == "pending"


def test_the_maximum_follows_the_setting(world, client_for, amber, settings):
    # given
    settings.FUSION_SHARE_MAX_DAYS = 10
    admin = client_for(world.police_admin)
    soon = (timezone.now() + timedelta(days=9)).isoformat()
    later = (timezone.now() + timedelta(days=11)).isoformat()
    # when
    within = share(admin, amber, soon)
    beyond = approve(admin, world, amber, later)
    # then
    assert within.status_code == 201, within.content
    assert beyond.status_code == 400, beyond.content
    assert "10 days" in beyond.json()["errors"]["expires_at"][0]


def test_a_default_expiry_above_the_maximum_is_cut_to_it(world, client_for, amber, settings):
    # given
    settings.FUSION_SHARE_DEFAULT_DAYS = 90
    settings.FUSION_SHARE_MAX_DAYS = 30
    request = AccessRequest.objects.create(
        requester=world.levies_analyst,
        requester_agency=world.levies,
        incident=amber,
        purpose="same blast?",
    )
    # when
    response = client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request.pk}/approve/", {"level": "view"}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    expires = ShareGrant.objects.get().expires_at
    assert expires <= timezone.now() + timedelta(days=30)
