"""`dry_run` is read strictly: a value that is neither yes nor no is a 400 naming it, and a
write route without a dry run refuses the flag; neither makes the change."""

import pytest

from fusion.models import AccessRequest, SharingAgreement
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/sharing-agreements/"
BODY = {"recipient": "levies", "categories": ["kidnapping"], "level": "view"}


@pytest.mark.parametrize("value", ["on", "YES", "1"])
def test_every_yes_word_previews(world, client_for, value):
    response = client_for(world.police_admin).post(f"{URL}?dry_run={value}", BODY, format="json")
    assert response.status_code == 200
    assert "gain_count" in response.json()
    assert not SharingAgreement.objects.exists()


@pytest.mark.parametrize("value", ["maybe", "", "tru", "1&dry_run=1"])
def test_a_value_neither_yes_nor_no_is_refused_and_nothing_is_made(world, client_for, value):
    admin = client_for(world.police_admin)
    made = SharingAgreement.objects.create(
        owner=world.police, recipient=world.levies, created_by=world.police_admin
    )
    assert admin.post(f"{URL}?dry_run={value}", BODY, format="json").status_code == 400
    patched = admin.patch(f"{URL}{made.pk}/?dry_run={value}", {"level": "view_persons"})
    deleted = admin.delete(f"{URL}{made.pk}/?dry_run={value}")
    assert patched.status_code == deleted.status_code == 400
    assert "dry_run" in deleted.json()["errors"]
    assert list(SharingAgreement.objects.values_list("pk", "level")) == [(made.pk, "view")]


def test_a_write_route_without_a_dry_run_refuses_the_flag(world, client_for):
    submitter = client_for(world.police_submitter)
    bulk = {"incidents": [factories.payload()]}
    response = submitter.post("/api/v1/incidents/bulk/?dry_run=true", bulk, format="json")
    assert response.status_code == 400
    assert "dry_run" in response.json()["errors"]
    single = submitter.post("/api/v1/incidents/?dry_run=true", factories.payload(), format="json")
    assert single.status_code == 400
    assert not Incident.objects.exists()


def test_access_requests_filter_by_status(world, client_for):
    incident = factories.incident(world.police, world.police_submitter, tlp="CLEAR")
    for status in ("pending", "denied"):
        AccessRequest.objects.create(
            requester=world.levies_analyst, requester_agency=world.levies,
            incident=incident, purpose="filter check", status=status,
        )  # fmt: skip
    api = client_for(world.police_admin)
    pending = api.get("/api/v1/access-requests/?status=pending").json()["results"]
    assert [r["status"] for r in pending] == ["pending"]
    assert api.get("/api/v1/access-requests/?status=bogus").status_code == 400


@pytest.mark.parametrize("spelling", ["DRY_RUN=true", "dry_run[]=true", "Dry_Run=1"])
def test_the_flag_spelt_otherwise_is_refused_not_ignored(world, client_for, spelling):
    admin = client_for(world.police_admin)
    assert admin.post(f"{URL}?{spelling}", BODY, format="json").status_code == 400
    bulk = {"incidents": [factories.payload()]}
    submitter = client_for(world.police_submitter)
    refused = submitter.post(f"/api/v1/incidents/bulk/?{spelling}", bulk, format="json")
    assert refused.status_code == 400
    assert "dry_run" in refused.json()["errors"]
    assert not SharingAgreement.objects.exists()
    assert not Incident.objects.exists()


def test_a_preview_and_the_write_are_different_requests_to_an_idempotency_key(world, client_for):
    admin = client_for(world.police_admin)
    key = {"HTTP_IDEMPOTENCY_KEY": "agreement-1"}
    previewed = admin.post(f"{URL}?dry_run=true", BODY, format="json", **key)
    assert previewed.status_code == 200
    made = admin.post(URL, BODY, format="json", **key)
    assert made.status_code == 409  # the key was used for another request: not replayed
    assert not SharingAgreement.objects.exists()
