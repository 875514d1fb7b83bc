"""A retried agreement POST makes no second agreement; apply_state tells what is pending."""

import pytest

from fusion.models import ShareGrant, SharingAgreement
from fusion.sharing.agreement_repair import agreement_deactivate

pytestmark = pytest.mark.django_db

URL = "/api/v1/sharing-agreements/"
AGREEMENT = {
    "recipient": "levies",
    "categories": ["kidnapping", "robbery"],
    "districts": ["Quetta", "Gwadar"],
    "level": "view",
}


def test_a_repeated_post_answers_with_the_agreement_it_made(
    world, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(world.police_admin)
    with django_capture_on_commit_callbacks(execute=False):  # no worker has applied it yet
        first = admin.post(URL, AGREEMENT, format="json")
        again = admin.post(URL, AGREEMENT, format="json")
        reordered = admin.post(
            URL,
            {
                **AGREEMENT,
                "categories": ["robbery", "kidnapping"],
                "districts": ["gwadar", "QUETTA"],
            },
            format="json",
        )
    assert first.status_code == 201
    assert first.json()["apply_state"] == "queued"
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert (reordered.status_code, reordered.json()["id"]) == (200, first.json()["id"])
    assert SharingAgreement.objects.count() == 1


def test_the_same_coverage_with_another_purpose_is_a_conflict(
    world, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(world.police_admin)
    with django_capture_on_commit_callbacks(execute=False):
        first = admin.post(URL, AGREEMENT, format="json")
        other = admin.post(URL, {**AGREEMENT, "purpose": "joint kidnapping cell"}, format="json")
        narrower = admin.post(URL, {**AGREEMENT, "severity_min": 4}, format="json")
    assert other.status_code == 409
    assert str(first.json()["id"]) in other.json()["detail"]
    assert narrower.status_code == 201  # another coverage: another agreement
    assert SharingAgreement.objects.count() == 2


def test_a_change_after_a_failed_apply_is_queued_not_failed(
    world, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(world.police_admin)
    with django_capture_on_commit_callbacks(execute=True):
        made = admin.post(URL, AGREEMENT, format="json").json()
    assert admin.get(f"{URL}{made['id']}/").json()["apply_state"] == "applied"
    SharingAgreement.objects.filter(pk=made["id"]).update(apply_error="OperationalError: gone")
    assert admin.get(f"{URL}{made['id']}/").json()["apply_state"] == "failed"
    with django_capture_on_commit_callbacks(execute=False):  # the new apply waits for a worker
        changed = admin.patch(f"{URL}{made['id']}/", {"severity_min": 2}, format="json")
    assert changed.json()["apply_state"] == "queued"
    assert changed.json()["apply_error"] == ""


def test_switching_off_in_the_admin_is_applied_at_once(
    world, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(world.police_admin)
    with django_capture_on_commit_callbacks(execute=True):
        made = admin.post(URL, AGREEMENT, format="json").json()
    agreement_deactivate(actor=world.police_admin, agreement=SharingAgreement.objects.get())
    state = admin.get(f"{URL}{made['id']}/").json()
    assert (state["active"], state["apply_state"]) == (False, "applied")
    assert not ShareGrant.objects.filter(agreement_id=made["id"], revoked_at=None).exists()
