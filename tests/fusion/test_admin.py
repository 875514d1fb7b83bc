"""Platform admins inspect object permissions and repair shares in the Django admin."""

import pytest

from fusion.models import ShareGrant
from fusion.sharing import share_grant
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
