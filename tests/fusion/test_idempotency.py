"""Idempotency-Key on POST: retries replay the first answer and change nothing."""

import pytest

from fusion.models import AuditEntry
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def test_retry_with_same_key_replays_first_response(world, client_for):
    # given
    client = client_for(world.police_submitter)
    body = factories.payload(external_ref="IDEM-1")
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    audit_after_first = AuditEntry.objects.count()
    # when
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["ETag"] == first["ETag"]
    assert Incident.objects.get().version == 1
    assert AuditEntry.objects.count() == audit_after_first


def test_same_key_with_other_body_is_409(world, client_for):
    client = client_for(world.police_submitter)
    client.post(URL, factories.payload(external_ref="A"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = client.post(
        URL, factories.payload(external_ref="B"), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 409
    assert Incident.objects.count() == 1


def test_keys_are_per_user(world, client_for):
    body = factories.payload(external_ref="SAME")
    a = client_for(world.police_submitter).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    b = client_for(world.levies_submitter).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_failed_request_is_not_remembered(world, client_for):
    client = client_for(world.police_submitter)
    bad = client.post(URL, factories.payload(severity=9), format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = client.post(URL, factories.payload(), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert (bad.status_code, good.status_code) == (400, 201)


def test_without_key_a_repost_is_an_upsert_not_a_replay(world, client_for):
    client = client_for(world.police_submitter)
    body = factories.payload(external_ref="NOKEY")
    assert client.post(URL, body, format="json").status_code == 201
    assert client.post(URL, body, format="json").status_code == 200
    assert Incident.objects.get().version == 1  # the same record: nothing to change
    changed = {**body, "severity": body["severity"] + 1}
    assert client.post(URL, changed, format="json").status_code == 200
    assert Incident.objects.get().version == 2  # an upsert, not a replay of the first answer


def test_overlong_key_is_400(world, client_for):
    response = client_for(world.police_submitter).post(
        URL, factories.payload(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 300
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
