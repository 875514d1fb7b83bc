"""An approved access request's share lasts FUSION_SHARE_DEFAULT_DAYS unless the approval
names its own expiry; once it lapses the requester no longer sees the incident."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from fusion.models import AccessRequest, ShareGrant
from tests import factories

pytestmark = pytest.mark.django_db


def requested(world) -> AccessRequest:
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    return AccessRequest.objects.create(
        requester=world.levies_analyst,
        requester_agency=world.levies,
        incident=incident,
        purpose="same blast?",
    )


def approve(client_for, world, request, **body):
    response = client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request.pk}/approve/", body, format="json"
    )
    assert response.status_code == 200, response.content
    return ShareGrant.objects.get(pk=response.json()["share"])


def test_an_approval_without_expiry_lasts_the_default_days(world, client_for, settings):
    # given
    settings.FUSION_SHARE_DEFAULT_DAYS = 7
    request = requested(world)
    before = timezone.now()
    # when
    share = approve(client_for, world, request, level="view")
    # then
    assert share.expires_at is not None
    expected = before + timedelta(days=7)
    assert expected <= share.expires_at <= timezone.now() + timedelta(days=7)


def test_an_approval_without_expiry_defaults_to_ninety_days(world, client_for):
    # given
    request = requested(world)
    # when
    share = approve(client_for, world, request, level="view", expires_at=None)
    # then
    assert timedelta(days=89) < share.expires_at - timezone.now() <= timedelta(days=90)


def test_an_explicit_expiry_is_honoured(world, client_for):
    # given
    request = requested(world)
    wanted = (timezone.now() + timedelta(days=300)).replace(microsecond=0)
    # when
    share = approve(client_for, world, request, level="view", expires_at=wanted.isoformat())
    # then
    assert share.expires_at == wanted


def test_the_default_expiry_ends_the_requesters_view(world, client_for):
    # given
    request = requested(world)
    approve(client_for, world, request, level="view")
    url = f"/api/v1/incidents/{request.incident_id}/"
    assert client_for(world.levies_analyst).get(url).status_code == 200
    # when: the default period has passed (no expiry task has run; a fresh token, as
    # tokens last hours)
    with freeze_time(timezone.now() + timedelta(days=91)):
        lapsed = client_for(world.levies_analyst).get(url)
    # then
    assert lapsed.status_code == 404
