"""The audit trail tells oversight and platform admins which incident fields changed, never to
what: incident content reaches only readers of the owning agency, in the log as elsewhere."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db
SECRET = "informant meeting behind the depot"


def incident_entries(api, pk):
    response = api.get("/api/v1/audit/", {"object_id": str(pk), "page_size": 100})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("reader", ["overseer", "platform_admin"])
def test_readers_without_a_content_role_get_no_incident_values(world, client_for, reader):
    # given
    made = factories.incident(
        world.police, world.police_submitter, description=SECRET, latitude=30.123456
    )
    # when
    entries = incident_entries(client_for(getattr(world, reader)), made.pk)
    # then
    [created] = [e for e in entries if e["action"] == "create"]
    assert {"description", "latitude"} <= set(created["changes"])
    assert SECRET not in str(entries)
    assert "30.123456" not in str(entries)


def test_the_owning_agencys_admin_gets_the_values(world, client_for):
    # given
    made = factories.incident(world.police, world.police_submitter, description=SECRET)
    # when
    entries = incident_entries(client_for(world.police_admin), made.pk)
    # then
    assert SECRET in str(entries)
