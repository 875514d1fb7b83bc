"""The deconfliction inbox, notifications and sharing pages through Django's test client: what
another agency's user gets (404 pages, the API's refusal), form errors naming their field,
double submits, and saving an agreement only through its preview."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from fusion.choices import RequestStatus
from fusion.models import AccessRequest, Match, ShareGrant, SharingAgreement
from fusion.sharing.agreements import agreement_apply
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def same_event(world):
    """A police incident and a levies one of the same blast: a match for each side."""
    at = {"occurred_at": T0, "reported_at": T0 + timedelta(hours=1), "category": "bombing-ied"}
    police = factories.incident(
        world.police,
        world.police_submitter,
        description="police secret text",
        persons=[{"role": "victim", "full_name": "Hidden Victim"}],
        **at,
    )
    levies = factories.incident(world.levies, world.levies_submitter, latitude=30.185, **at)
    match = Match.objects.get()
    return police, levies, match


def file_request(world, match) -> AccessRequest:
    signed_in(world.levies_analyst).post(
        "/inbox/requests/", {"match": match.pk, "purpose": "same blast in Quetta"}
    )
    return AccessRequest.objects.get()


def test_the_inbox_shows_the_match_not_the_other_record(world):
    # given
    police, levies, _ = same_event(world)
    # when
    page = signed_in(world.levies_analyst).get("/inbox/")
    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert str(levies.pk) in text
    assert "police" in text
    assert str(police.pk) not in text
    assert "police secret" not in text
    assert "Hidden Victim" not in text


def test_a_request_without_purpose_names_the_field(world):
    # given
    _, _, match = same_event(world)
    # when
    page = signed_in(world.levies_analyst).post("/inbox/requests/", {"match": match.pk})
    # then
    assert page.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', page.content.decode(), re.S)
    assert summary is not None
    assert "purpose" in summary.group(0)
    assert not AccessRequest.objects.exists()


def test_a_double_submitted_request_files_one(world):
    # given
    _, _, match = same_event(world)
    client = signed_in(world.levies_analyst)
    form = {"match": match.pk, "purpose": "same blast in Quetta", "idempotency_key": "k-1"}
    # when
    first = client.post("/inbox/requests/", form)
    second = client.post("/inbox/requests/", form)
    # then
    assert (first.status_code, second.status_code) == (302, 302)
    assert AccessRequest.objects.count() == 1


def test_a_second_request_with_another_form_is_refused_by_the_api(world):
    # given
    _, _, match = same_event(world)
    file_request(world, match)
    # when
    page = signed_in(world.levies_analyst).post(
        "/inbox/requests/", {"match": match.pk, "purpose": "same blast again"}
    )
    # then
    assert page.status_code == 409
    assert "pending" in page.content.decode()
    assert AccessRequest.objects.count() == 1


def test_approving_another_agencys_request_shows_the_refusal(world):
    # given: a request to police; levies' admin is not its owner's admin
    _, _, match = same_event(world)
    filed = file_request(world, match)
    # when
    page = signed_in(world.levies_admin).post(
        f"/inbox/requests/{filed.pk}/approve/", {"level": "view_persons"}
    )
    # then
    assert page.status_code in (403, 404)
    assert 'class="error-summary"' in page.content.decode()
    filed.refresh_from_db()
    assert filed.status == RequestStatus.PENDING


def test_the_owners_admin_approves_and_only_then_the_requester_sees_the_id(world):
    # given
    police, _, match = same_event(world)
    filed = file_request(world, match)
    requester = signed_in(world.levies_analyst)
    assert str(police.pk) not in requester.get("/inbox/").content.decode()
    until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    # when
    done = signed_in(world.police_admin).post(
        f"/inbox/requests/{filed.pk}/approve/", {"level": "view", "expires_on": until}
    )
    # then
    assert done.status_code == 302
    filed.refresh_from_db()
    assert filed.status == RequestStatus.APPROVED
    assert filed.share.expires_at.date().isoformat() == until
    assert str(police.pk) in requester.get("/inbox/").content.decode()


def test_a_denial_without_reason_names_the_field(world):
    # given
    _, _, match = same_event(world)
    filed = file_request(world, match)
    # when
    page = signed_in(world.police_admin).post(f"/inbox/requests/{filed.pk}/deny/", {})
    # then
    assert page.status_code == 400
    assert '<span class="field-name">reason</span>' in page.content.decode()


def test_notifications_tell_the_owners_admin_of_the_request(world):
    # given
    _, _, match = same_event(world)
    file_request(world, match)
    # when
    page = signed_in(world.police_admin).get("/notifications/")
    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "Access request for your incident" in text
    assert "Deconfliction match" in text


def test_notifications_for_a_role_with_none_say_so_plainly(world):
    # given: a signed-in user of no agency, for whom the API has no notifications
    page = signed_in(world.outsider).get("/notifications/")
    # then
    assert page.status_code == 200
    assert "There are no notifications for your roles." in page.content.decode()
    assert "error-summary" not in page.content.decode()


KIDNAP = {"recipient": "levies", "categories": ["kidnapping"], "severity_min": "2"}


def preview(client: Client, url: str, form: dict) -> str:
    page = client.post(url, {**form, "level": "view", "action": "preview"})
    assert page.status_code == 200, page.content.decode()[:2000]
    return re.search(r'name="previewed" value="([^"]+)"', page.content.decode()).group(1)


def test_an_agreement_is_saved_only_as_previewed(world):
    # given
    factories.incident(world.police, world.police_submitter, category="kidnapping", severity=3)
    admin = signed_in(world.police_admin)
    url = "/sharing/agreements/new/"
    # when: a save with no preview, then one whose form changed after the preview
    unpreviewed = admin.post(url, {**KIDNAP, "level": "view", "action": "save"})
    signed = preview(admin, url, KIDNAP)
    changed = admin.post(
        url, {**KIDNAP, "severity_min": "4", "level": "view", "action": "save", "previewed": signed}
    )
    # then: each answered a preview and saved nothing
    assert "Preview: who gains and who loses access" in unpreviewed.content.decode()
    assert "form changed since the last preview" in changed.content.decode()
    assert not SharingAgreement.objects.exists()
    # when: the save of what was previewed
    saved = admin.post(url, {**KIDNAP, "level": "view", "action": "save", "previewed": signed})
    # then
    assert saved.status_code == 302
    agreement = SharingAgreement.objects.get()
    assert (agreement.recipient.code, agreement.categories, agreement.severity_min) == (
        "levies",
        ["kidnapping"],
        2,
    )


def test_the_preview_counts_and_lists_the_gain(world):
    # given
    incident = factories.incident(
        world.police, world.police_submitter, category="kidnapping", severity=3
    )
    # when
    page = signed_in(world.police_admin).post(
        "/sharing/agreements/new/", {**KIDNAP, "level": "view", "action": "preview"}
    )
    # then
    text = page.content.decode()
    assert re.search(r"<strong>1</strong> incidents levies gains", text)
    assert str(incident.pk) in text


def test_an_agreement_form_error_names_the_field(world):
    # when: police shares with itself
    page = signed_in(world.police_admin).post(
        "/sharing/agreements/new/",
        {**KIDNAP, "recipient": "police", "level": "view", "action": "preview"},
    )
    # then
    assert page.status_code == 400
    assert '<span class="field-name">recipient</span>' in page.content.decode()


def test_another_agencys_agreement_is_not_found(world):
    # given
    agreement = SharingAgreement.objects.create(
        owner=world.police,
        recipient=world.levies,
        created_by=world.police_admin,
        categories=["kidnapping"],
    )
    levies_admin = signed_in(world.levies_admin)
    # when
    listing = levies_admin.get("/sharing/")
    edit = levies_admin.get(f"/sharing/agreements/{agreement.pk}/edit/")
    delete = levies_admin.post(f"/sharing/agreements/{agreement.pk}/delete/")
    # then
    assert f"/sharing/agreements/{agreement.pk}/" not in listing.content.decode()
    assert (edit.status_code, delete.status_code) == (404, 404)
    assert SharingAgreement.objects.filter(pk=agreement.pk).exists()
    own = signed_in(world.police_admin)
    assert f"/sharing/agreements/{agreement.pk}/edit/" in own.get("/sharing/").content.decode()
    assert own.get(f"/sharing/agreements/{agreement.pk}/edit/").status_code == 200


def test_deleting_an_agreement_previews_then_deletes(world):
    # given
    agreement = SharingAgreement.objects.create(
        owner=world.police, recipient=world.levies, created_by=world.police_admin
    )
    admin = signed_in(world.police_admin)
    # when
    shown = admin.get(f"/sharing/agreements/{agreement.pk}/delete/")
    deleted = admin.post(f"/sharing/agreements/{agreement.pk}/delete/")
    # then
    assert "Preview: who loses access" in shown.content.decode()
    assert deleted.status_code == 302
    assert not SharingAgreement.objects.exists()


def test_an_incidents_shares_are_its_owners_admins_only(world):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    url = f"/sharing/incidents/{incident.pk}/"
    # then: hidden from another agency's admin; visible but not theirs to share for an analyst
    assert signed_in(world.levies_admin).get(url).status_code == 404
    assert signed_in(world.police_analyst).get(url).status_code == 403
    assert signed_in(world.police_admin).get(url).status_code == 200


def test_sharing_an_incident_and_revoking_it(world):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    admin = signed_in(world.police_admin)
    url = f"/sharing/incidents/{incident.pk}/"
    # when: a share without purpose, then with one
    refused = admin.post(url, {"agency": "levies", "level": "view"})
    shared = admin.post(url, {"agency": "levies", "level": "view", "purpose": "joint operation"})
    # then
    assert refused.status_code == 400
    assert '<span class="field-name">purpose</span>' in refused.content.decode()
    assert shared.status_code == 302
    grant = ShareGrant.objects.get(incident=incident)
    # when
    revoked = admin.post(f"{url}shares/{grant.pk}/revoke/")
    # then
    assert revoked.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_deactivating_an_agreement_previews_the_loss_then_saves(world):
    # given: an applied agreement sharing one kidnapping with levies
    factories.incident(world.police, world.police_submitter, category="kidnapping")
    agreement = SharingAgreement.objects.create(
        owner=world.police,
        recipient=world.levies,
        created_by=world.police_admin,
        categories=["kidnapping"],
    )
    agreement_apply(agreement_id=agreement.pk)
    admin = signed_in(world.police_admin)
    url = f"/sharing/agreements/{agreement.pk}/edit/"
    form = {"recipient": "levies", "categories": "kidnapping", "severity_min": "1"}
    # when: previewed with "active" unticked
    page = admin.post(url, {**form, "level": "view", "action": "preview"})
    # then
    assert re.search(r"<strong>1</strong> incidents levies loses", page.content.decode())
    agreement.refresh_from_db()
    assert agreement.active
    # when: saved
    signed = re.search(r'name="previewed" value="([^"]+)"', page.content.decode()).group(1)
    saved = admin.post(url, {**form, "level": "view", "action": "save", "previewed": signed})
    # then
    assert saved.status_code == 302
    agreement.refresh_from_db()
    assert not agreement.active


def test_a_refused_preview_in_place_keeps_the_apis_status(world):
    # when: the preview asked for in place (htmx) with an unknown category
    page = signed_in(world.police_admin).post(
        "/sharing/agreements/new/",
        {**KIDNAP, "categories": "ufo", "level": "view", "action": "preview"},
        headers={"HX-Request": "true"},
    )
    # then: the partial alone, with the error naming the field
    text = page.content.decode()
    assert page.status_code == 400
    assert "<h1>" not in text
    assert '<span class="field-name">categories</span>' in text


def test_a_page_of_notifications_past_the_last_shows_the_apis_answer(world):
    # when
    page = signed_in(world.police_admin).get("/notifications/?page=9")
    # then: the API's status and words
    text = page.content.decode()
    assert page.status_code == 404
    assert 'class="error-summary"' in text
    assert "There are no notifications for your roles." not in text


def test_a_page_of_agreements_past_the_last_shows_the_apis_answer(world):
    # when: a page number the API refuses
    page = signed_in(world.police_admin).get("/sharing/?page=9")
    # then: the API's status and words, not an empty list said to be fine
    text = page.content.decode()
    assert page.status_code == 404
    assert 'class="error-summary"' in text
    assert "Your agency has no sharing agreements." not in text


def test_a_page_of_requests_past_the_last_shows_the_apis_answer(world):
    # when: a page number of the access requests the API refuses
    page = signed_in(world.police_admin).get("/inbox/?requests_page=9")
    # then: the API's words where the requests would be, not "none" said to be fine
    text = page.content.decode()
    assert text.count("<p>Not found.</p>") == 2  # the API's detail, in both sections
    assert "Your agency has filed no access requests." not in text
    assert "No access requests to your agency." not in text
