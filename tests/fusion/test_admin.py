"""Platform admins inspect object permissions and repair shares in the Django admin."""

import json

import pytest
from knox.models import AuthToken

from agencies.models import Membership
from fusion.models import AuditEntry, ShareGrant, SharingAgreement
from fusion.sharing.access_requests import access_request_create
from fusion.sharing.agreements import agreement_apply, agreement_create
from fusion.sharing.shares import share_grant
from incidents.models import IncidentGroupObjectPermission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(world):
    incident = factories.incident(world.police, world.police_submitter)
    grant = share_grant(
        actor=world.police_admin,
        incident=incident,
        agency=world.levies,
        level="view",
        purpose="admin test",
    )
    return incident, grant


def test_object_permissions_page_shows_the_recipient_group(world, client, shared):
    incident, _ = shared
    client.force_login(world.platform_admin)
    response = client.get(f"/admin/incidents/incident/{incident.pk}/permissions/")
    assert response.status_code == 200
    assert "agency:levies" in response.content.decode()


def test_rebuild_action_repairs_a_damaged_permission_store(world, client, shared):
    # given: someone deleted the guardian rows behind a live grant
    incident, grant = shared
    IncidentGroupObjectPermission.objects.all().delete()
    client.force_login(world.platform_admin)
    # when
    response = client.post(
        "/admin/fusion/sharegrant/",
        {"action": "rebuild_permissions", "_selected_action": [grant.pk]},
    )
    # then
    assert response.status_code == 302
    assert IncidentGroupObjectPermission.objects.filter(content_object=incident).exists()


def test_revoke_action_ends_share(world, client, shared):
    _, grant = shared
    client.force_login(world.platform_admin)
    client.post("/admin/fusion/sharegrant/", {"action": "revoke", "_selected_action": [grant.pk]})
    assert ShareGrant.objects.get(pk=grant.pk).end_reason == "revoked"
    assert not IncidentGroupObjectPermission.objects.exists()


def test_admin_is_closed_to_agency_members(world, client):
    client.force_login(world.police_admin)
    assert client.get("/admin/fusion/sharegrant/").status_code == 302


# --- writes in the admin go through the services, with actor and correlation id ---

INCIDENTS = "/api/v1/incidents/"


def _login(client, user):
    assert client.login(username=user.username, password=factories.PASSWORD)
    return client


@pytest.fixture
def agreement_with_shares(world):
    # given: a police agreement with the levies, applied to three incidents
    incidents = [
        factories.incident(world.police, world.police_submitter, category="kidnapping")
        for _ in range(3)
    ]
    agreement = agreement_create(
        actor=world.police_admin,
        owner=world.police,
        data={"recipient": world.levies, "categories": ["kidnapping"], "level": "view"},
    )
    agreement_apply(agreement_id=agreement.pk)
    assert ShareGrant.objects.filter(agreement=agreement, revoked_at__isnull=True).count() == 3
    return agreement, incidents


def _agreement_form(agreement, **changes):
    """Every field the agreement's change form has ever had; `active` unticked by omission."""
    data = {
        "owner": agreement.owner_id,
        "recipient": agreement.recipient_id,
        "categories": json.dumps(agreement.categories),
        "severity_min": agreement.severity_min,
        "districts": json.dumps(agreement.districts),
        "level": agreement.level,
        "purpose": agreement.purpose,
        "created_by": agreement.created_by_id,
        "applied_at_0": "",
        "applied_at_1": "",
        "apply_error": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_unticking_active_in_admin_ends_the_agreements_shares(
    world, client, client_for, agreement_with_shares
):
    # given
    agreement, incidents = agreement_with_shares
    recipient = client_for(world.levies_analyst)
    assert recipient.get(f"{INCIDENTS}{incidents[0].pk}/").status_code == 200
    _login(client, world.platform_admin)
    # when
    response = client.post(
        f"/admin/fusion/sharingagreement/{agreement.pk}/change/", _agreement_form(agreement)
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement.refresh_from_db()
    assert agreement.active is False
    for incident in incidents:
        assert recipient.get(f"{INCIDENTS}{incident.pk}/").status_code == 404
    assert not IncidentGroupObjectPermission.objects.exists()
    cid = response["X-Correlation-ID"]
    change = AuditEntry.objects.get(
        object_pk=str(agreement.pk), action=AuditEntry.Action.UPDATE, cid=cid
    )
    assert change.actor == world.platform_admin
    assert change.acting_agency == world.police
    ended = AuditEntry.objects.filter(
        content_type__model="sharegrant", action=AuditEntry.Action.UPDATE, cid=cid
    )
    assert ended.count() == 3
    assert {(e.actor, e.acting_agency) for e in ended} == {(world.platform_admin, world.police)}
    assert set(ShareGrant.objects.values_list("end_reason", flat=True)) == {"agreement_withdrawn"}


def test_agreement_definition_cannot_be_rewritten_in_admin(world, client, agreement_with_shares):
    # given
    agreement, _ = agreement_with_shares
    _login(client, world.platform_admin)
    # when: widen the agreement to persons and to the fusion centre
    client.post(
        f"/admin/fusion/sharingagreement/{agreement.pk}/change/",
        _agreement_form(agreement, recipient=world.centre.pk, level="view_persons", active="on"),
    )
    # then
    agreement.refresh_from_db()
    assert (agreement.recipient, agreement.level) == (world.levies, "view")


def test_admin_bulk_delete_of_agreements_is_refused(world, client, agreement_with_shares):
    # given
    agreement, _ = agreement_with_shares
    _login(client, world.platform_admin)
    # when
    client.post(
        "/admin/fusion/sharingagreement/",
        {"action": "delete_selected", "_selected_action": [agreement.pk], "post": "yes"},
    )
    client.post(f"/admin/fusion/sharingagreement/{agreement.pk}/delete/", {"post": "yes"})
    # then: nothing deleted behind the services' back
    assert SharingAgreement.objects.filter(pk=agreement.pk).exists()
    assert ShareGrant.objects.filter(agreement=agreement, revoked_at__isnull=True).count() == 3


def test_access_request_cannot_be_decided_in_admin(world, client, shared):
    # given: the levies ask for more of a police incident
    incident, _ = shared
    request = access_request_create(
        actor=world.levies_analyst, purpose="joint operation", incident_id=incident.pk
    )
    _login(client, world.platform_admin)
    # when
    client.post(
        f"/admin/fusion/accessrequest/{request.pk}/change/",
        {
            "requester": request.requester_id,
            "requester_agency": request.requester_agency_id,
            "incident": incident.pk,
            "purpose": request.purpose,
            "status": "approved",
            "reason": "",
        },
    )
    client.post(
        "/admin/fusion/accessrequest/",
        {"action": "delete_selected", "_selected_action": [request.pk], "post": "yes"},
    )
    # then
    request.refresh_from_db()
    assert request.status == "pending"


def test_revoke_action_in_admin_is_attributed(world, client, shared):
    # given
    _, grant = shared
    _login(client, world.platform_admin)
    # when
    response = client.post(
        "/admin/fusion/sharegrant/", {"action": "revoke", "_selected_action": [grant.pk]}
    )
    # then
    entry = AuditEntry.objects.get(
        content_type__model="sharegrant", object_pk=str(grant.pk), action=AuditEntry.Action.UPDATE
    )
    assert (entry.actor, entry.acting_agency) == (world.platform_admin, world.police)
    assert entry.cid == response["X-Correlation-ID"]


def test_admin_mints_no_api_tokens_for_other_users(world, client):
    # given
    _login(client, world.platform_admin)
    # when
    client.post(
        "/admin/knox/authtoken/add/",
        {"user": world.police_analyst.pk, "expiry_0": "2030-01-01", "expiry_1": "00:00:00"},
    )
    # then
    assert not AuthToken.objects.filter(user=world.police_analyst).exists()


def test_membership_added_in_admin_goes_through_the_service(world, client):
    # given
    newcomer = factories.user("newcomer")
    _login(client, world.platform_admin)
    # when
    response = client.post(
        "/admin/agencies/membership/add/",
        {"user": newcomer.pk, "agency": world.police.pk, "role": "analyst"},
    )
    # then
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert world.police.group in newcomer.groups.all()
    entry = AuditEntry.objects.get(content_type__model="membership", object_pk=str(membership.pk))
    assert (entry.actor, entry.acting_agency) == (world.platform_admin, None)
    assert entry.cid == response["X-Correlation-ID"]


def test_memberships_removed_in_admin_revoke_tokens(world, client, client_for):
    # given: the analyst holds an API token
    analyst_api = client_for(world.police_analyst)
    membership = Membership.objects.get(user=world.police_analyst)
    _login(client, world.platform_admin)
    # when
    client.post(
        "/admin/agencies/membership/",
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    # then
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert analyst_api.get(INCIDENTS).status_code == 401
    assert world.police.group not in world.police_analyst.groups.all()


def test_membership_role_cannot_be_changed_in_admin_or_inline(world, client):
    # given
    membership = Membership.objects.get(user=world.police_analyst)
    _login(client, world.platform_admin)
    # when
    client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": membership.user_id, "agency": membership.agency_id, "role": "agency_admin"},
    )
    # then
    membership.refresh_from_db()
    assert membership.role == "analyst"
