"""Previews of sharing agreements (`?dry_run=true`): refused as the request itself would be;
gains only what the recipient does not see yet, losses only what it would stop seeing, counted."""

import pytest

from fusion.models import SharingAgreement
from fusion.sharing import agreements
from fusion.sharing.agreements import agreement_apply
from fusion.sharing.shares import share_grant
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/sharing-agreements/"
KIDNAP = {"recipient": "levies", "categories": ["kidnapping"], "level": "view"}


def kidnapping(world, **fields):
    return factories.incident(world.police, world.police_submitter, category="kidnapping", **fields)


def applied(world, **fields) -> SharingAgreement:
    agreement = SharingAgreement.objects.create(
        owner=world.police, recipient=world.levies, created_by=world.police_admin, **fields
    )
    agreement_apply(agreement_id=agreement.pk)
    return agreement


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**KIDNAP, "recipient": "police"}, "recipient"),
        ({**KIDNAP, "recipient": "watch"}, "recipient"),
        ({**KIDNAP, "categories": ["ufo"]}, "categories"),
    ],
)
def test_a_dry_run_post_is_refused_like_the_post(world, client_for, body, field):
    # given
    admin = client_for(world.police_admin)
    # when
    previewed = admin.post(f"{URL}?dry_run=true", body, format="json")
    made = admin.post(URL, body, format="json")
    # then
    assert previewed.status_code == made.status_code == 400
    assert previewed.json() == made.json()
    assert field in previewed.json()["errors"]
    assert not SharingAgreement.objects.exists()


def test_a_dry_run_patch_is_refused_like_the_patch(world, client_for):
    # given
    agreement = applied(world, categories=["kidnapping"])
    admin = client_for(world.police_admin)
    # when
    previewed = admin.patch(
        f"{URL}{agreement.pk}/?dry_run=1", {"recipient": "police"}, format="json"
    )
    changed = admin.patch(f"{URL}{agreement.pk}/", {"recipient": "police"}, format="json")
    # then
    assert previewed.status_code == changed.status_code == 400
    assert previewed.json() == changed.json()
    assert "recipient" in previewed.json()["errors"]


def test_a_dry_run_repeating_coverage_with_another_purpose_is_a_conflict(world, client_for):
    # given
    applied(world, categories=["kidnapping"])
    admin = client_for(world.police_admin)
    body = {**KIDNAP, "purpose": "another purpose"}
    # when
    previewed = admin.post(f"{URL}?dry_run=true", body, format="json")
    made = admin.post(URL, body, format="json")
    # then
    assert previewed.status_code == made.status_code == 409
    assert previewed.json() == made.json()


def test_the_gain_leaves_out_what_the_recipient_sees_already(world, client_for):
    # given: four incidents the agreement would cover
    clear = kidnapping(world, tlp="CLEAR")
    shared = kidnapping(world)
    by_other_agreement = kidnapping(world, severity=5)
    new = kidnapping(world)
    share_grant(
        actor=world.police_admin, incident=shared, agency=world.levies, level="view",
        purpose="explicit share",
    )  # fmt: skip
    applied(world, categories=["kidnapping"], severity_min=5)
    admin = client_for(world.police_admin)
    # when
    at_view = admin.post(f"{URL}?dry_run=true", KIDNAP, format="json").json()
    with_persons = admin.post(
        f"{URL}?dry_run=true", {**KIDNAP, "level": "view_persons"}, format="json"
    ).json()
    # then
    assert at_view["gain"]["incidents"] == [str(new.pk)]
    assert (at_view["gain_count"], at_view["unchanged_count"], at_view["loss_count"]) == (1, 3, 0)
    # persons are a gain wherever the recipient sees the incident without them
    expected = sorted(str(i.pk) for i in (clear, shared, by_other_agreement, new))
    assert with_persons["gain"]["incidents"] == expected
    assert with_persons["gain_count"] == 4


def test_the_loss_is_only_what_the_recipient_stops_seeing(world, client_for):
    # given: an applied agreement covering three incidents, two seen anyway (one shared
    # explicitly too, one TLP:CLEAR, which everyone sees)
    only_by_agreement = kidnapping(world)
    also_explicit = kidnapping(world)
    kidnapping(world, tlp="CLEAR")
    share_grant(
        actor=world.police_admin, incident=also_explicit, agency=world.levies, level="view",
        purpose="explicit share",
    )  # fmt: skip
    agreement = applied(world, categories=["kidnapping"])
    admin = client_for(world.police_admin)
    # when
    deleted = admin.delete(f"{URL}{agreement.pk}/?dry_run=true").json()
    narrowed = admin.patch(
        f"{URL}{agreement.pk}/?dry_run=true", {"categories": ["robbery"]}, format="json"
    ).json()
    # then
    for preview in (deleted, narrowed):
        assert preview["lose"]["incidents"] == [str(only_by_agreement.pk)]
        assert preview["loss_count"] == 1
        assert preview["gain_count"] == 0
    assert SharingAgreement.objects.filter(pk=agreement.pk, categories=["kidnapping"]).exists()


def test_a_dry_run_patch_changing_nothing_gains_nothing(world, client_for):
    # given
    kidnapping(world)
    agreement = applied(world, categories=["kidnapping"])
    # when
    preview = client_for(world.police_admin).patch(
        f"{URL}{agreement.pk}/?dry_run=true", {}, format="json"
    )
    # then
    assert preview.status_code == 200
    body = preview.json()
    assert (body["gain_count"], body["loss_count"], body["unchanged_count"]) == (0, 0, 1)


def test_the_lists_are_capped_and_the_counts_exact(world, client_for, monkeypatch):
    # given
    monkeypatch.setattr(agreements, "PREVIEW_LIST_MAX", 2)
    made = sorted(str(kidnapping(world).pk) for _ in range(3))
    # when
    preview = client_for(world.police_admin).post(f"{URL}?dry_run=true", KIDNAP, format="json")
    # then
    body = preview.json()
    assert body["gain"]["incidents"] == made[:2]
    assert (body["gain_count"], body["list_limit"]) == (3, 2)
