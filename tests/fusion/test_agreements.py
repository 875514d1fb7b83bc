"""Sharing agreements: applied retroactively and at ingest, withdrawn, previewed."""

import pytest

from fusion.models import ShareGrant, SharingAgreement
from fusion.sharing.agreements import agreement_apply
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/sharing-agreements/"
INCIDENTS = "/api/v1/incidents/"


def visible_ids(client) -> set[str]:
    return {r["id"] for r in client.get(INCIDENTS, {"page_size": 500}).json()["results"]}


@pytest.fixture
def police_incidents(world):
    make = factories.incident
    by = (world.police, world.police_submitter)
    return {
        "kidnap_quetta": make(*by, category="kidnapping", severity=4, district="Quetta"),
        "kidnap_kech": make(
            *by, category="kidnapping", severity=4, district="Kech", latitude=26.0, longitude=63.05
        ),
        "kidnap_low": make(*by, category="kidnapping", severity=2, district="Quetta"),
        "robbery": make(*by, category="robbery", severity=5, district="Quetta"),
        "strict": make(
            *by, category="kidnapping", severity=5, district="Quetta", tlp="AMBER+STRICT"
        ),
        "red": make(*by, category="kidnapping", severity=5, district="Quetta", tlp="RED"),
    }


AGREEMENT = {
    "recipient": "levies",
    "categories": ["kidnapping"],
    "severity_min": 3,
    "districts": ["quetta"],
    "level": "view",
}


def test_new_agreement_shares_matching_existing_incidents(
    world, client_for, police_incidents, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.police_admin).post(URL, AGREEMENT, format="json")
    # then
    assert response.status_code == 201, response.content
    assert visible_ids(client_for(world.levies_analyst)) == {
        str(police_incidents["kidnap_quetta"].pk)
    }
    agreement = SharingAgreement.objects.get()
    assert agreement.applied_at is not None
    assert ShareGrant.objects.get().origin == "agreement"


def test_agreement_applies_at_ingest_and_when_incident_changes(world, client_for, police_incidents):
    # given
    agreement = SharingAgreement.objects.create(
        owner=world.police,
        recipient=world.levies,
        created_by=world.police_admin,
        **{k: v for k, v in AGREEMENT.items() if k != "recipient"},
    )
    agreement_apply(agreement_id=agreement.pk)
    submitter = client_for(world.police_submitter)
    reader = client_for(world.levies_analyst)
    # when: a new matching incident is posted
    posted = submitter.post(
        INCIDENTS, factories.payload(category="kidnapping", severity=5, district="Quetta")
    ).json()
    # then
    assert posted["id"] in visible_ids(reader)
    # when: it stops matching
    submitter.patch(f"{INCIDENTS}{posted['id']}/", {"severity": 1}, format="json")
    # then
    assert posted["id"] not in visible_ids(reader)


def test_deactivating_withdraws_agreement_shares_but_explicit_stay(
    world, client_for, police_incidents, django_capture_on_commit_callbacks
):
    # given
    admin = client_for(world.police_admin)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_id = admin.post(URL, AGREEMENT, format="json").json()["id"]
    explicit = police_incidents["robbery"]
    admin.post(
        f"{INCIDENTS}{explicit.pk}/shares/",
        {"agency": "levies", "level": "view", "purpose": "robbery series"},
        format="json",
    )
    reader = client_for(world.levies_analyst)
    assert len(visible_ids(reader)) == 2
    # when
    response = admin.patch(f"{URL}{agreement_id}/", {"active": False}, format="json")
    # then: withdrawal is immediate, without waiting for a worker
    assert response.status_code == 200
    assert visible_ids(reader) == {str(explicit.pk)}
    # and deleting withdraws too
    with django_capture_on_commit_callbacks(execute=True):
        admin.patch(f"{URL}{agreement_id}/", {"active": True}, format="json")
    assert len(visible_ids(reader)) == 2
    assert admin.delete(f"{URL}{agreement_id}/").status_code == 204
    assert visible_ids(reader) == {str(explicit.pk)}


def test_dry_run_answers_who_gains_and_loses_without_saving(
    world, client_for, police_incidents, django_capture_on_commit_callbacks
):
    # given
    admin = client_for(world.police_admin)
    # when
    preview = admin.post(f"{URL}?dry_run=true", AGREEMENT, format="json")
    # then
    assert preview.status_code == 200
    assert preview.json()["gain"] == {
        "agency": "levies",
        "level": "view",
        "incidents": [str(police_incidents["kidnap_quetta"].pk)],
    }
    assert preview.json()["lose"]["incidents"] == []
    assert not SharingAgreement.objects.exists()
    # given a saved agreement, a narrowing change and a deletion previewed
    with django_capture_on_commit_callbacks(execute=True):
        agreement_id = admin.post(URL, {**AGREEMENT, "districts": []}, format="json").json()["id"]
    narrowed = admin.patch(
        f"{URL}{agreement_id}/?dry_run=1", {"districts": ["Kech"]}, format="json"
    )
    deleted = admin.delete(f"{URL}{agreement_id}/?dry_run=true")
    assert narrowed.json()["lose"]["incidents"] == [str(police_incidents["kidnap_quetta"].pk)]
    assert narrowed.json()["gain"]["incidents"] == []
    assert len(deleted.json()["lose"]["incidents"]) == 2
    assert ShareGrant.objects.filter(revoked_at__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**AGREEMENT, "recipient": "police"}, "recipient", 400),
        ({**AGREEMENT, "recipient": "watch"}, "recipient", 400),
        ({**AGREEMENT, "categories": ["ufo"]}, "categories", 400),
        ({**AGREEMENT, "severity_min": 9}, "severity_min", 400),
        ({**AGREEMENT, "owner": "levies"}, "owner", 400),
    ],
)
def test_agreement_validation(world, client_for, body, field, code):
    response = client_for(world.police_admin).post(URL, body, format="json")
    assert response.status_code == code
    assert field in response.json()["errors"]


def test_only_admins_manage_agreements_of_their_own_agency(world, client_for):
    agreement = SharingAgreement.objects.create(owner=world.police, recipient=world.levies)
    assert client_for(world.police_submitter).post(URL, AGREEMENT, format="json").status_code == 403
    levies_admin = client_for(world.levies_admin)
    assert levies_admin.get(f"{URL}{agreement.pk}/").status_code == 404
    assert (
        levies_admin.patch(f"{URL}{agreement.pk}/", {"active": False}, format="json").status_code
        == 404
    )
    assert levies_admin.delete(f"{URL}{agreement.pk}/").status_code == 404
    agreement.refresh_from_db()
    assert agreement.active is True


def test_ingest_checks_existing_grants_by_probing_each_incident(world):
    """Which incidents an agreement still owes is tested per incident (an index probe of its
    grants), never as an anti-join PostgreSQL may plan as a nested loop over all the
    agreement's grants when its statistics lag behind a backfill."""
    from django.utils import timezone

    from fusion.sharing.agreements import _owed

    agreement = SharingAgreement.objects.create(owner=world.police, recipient=world.levies)
    incident = factories.incident(world.police, world.police_submitter)
    plan = _owed(agreement, [incident.pk], timezone.now()).explain()
    assert "SubPlan" in plan, plan
    assert "Anti Join" not in plan, plan
