"""Sharing agreements name districts of the register in force: an unknown one is refused (400
naming `districts`), by a preview as by the request; an alias or another case is stored as the
register spells it."""

import pytest

from fusion.models import SharingAgreement

pytestmark = pytest.mark.django_db

URL = "/api/v1/sharing-agreements/"
BODY = {"recipient": "levies", "categories": ["kidnapping"], "level": "view"}


@pytest.mark.parametrize("dry_run", ["", "?dry_run=true"])
def test_an_unknown_district_is_refused_naming_districts(world, client_for, dry_run):
    # when
    response = client_for(world.police_admin).post(
        f"{URL}{dry_run}", {**BODY, "districts": ["Quetta", "Atlantis"]}, format="json"
    )
    # then
    assert response.status_code == 400
    [message] = response.json()["errors"]["districts"]
    assert "Atlantis" in message
    assert not SharingAgreement.objects.exists()


def test_a_change_to_an_unknown_district_is_refused(world, client_for):
    # given
    agreement = SharingAgreement.objects.create(owner=world.police, recipient=world.levies)
    admin = client_for(world.police_admin)
    body = {"districts": ["Atlantis"]}
    # when
    previewed = admin.patch(f"{URL}{agreement.pk}/?dry_run=true", body, format="json")
    changed = admin.patch(f"{URL}{agreement.pk}/", body, format="json")
    # then
    assert previewed.status_code == changed.status_code == 400
    assert previewed.json() == changed.json()
    assert "districts" in changed.json()["errors"]


def test_districts_are_stored_as_the_register_spells_them(world, client_for):
    # when
    response = client_for(world.police_admin).post(
        URL, {**BODY, "districts": ["quetta", "QUETTA", "kech"]}, format="json"
    )
    # then
    assert response.status_code == 201, response.content
    assert response.json()["districts"] == ["Quetta", "Kech"]
