"""Messages people read say things plainly: no Python enum names, no wrong subject, no
misspelt plural in the admin."""

import pytest

from agencies.choices import Role
from agencies.services import member_add
from fusion.errors import Invalid
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_refused_complaint_step_names_the_allowed_status_as_the_api_spells_it(world, client_for):
    # given
    reference = (
        client_for(None)
        .post("/api/v1/complaints/", {"subject": "s", "details": "d"}, format="json")
        .json()["reference"]
    )
    # when
    refused = client_for(world.overseer).patch(
        f"/api/v1/complaints/{reference}/", {"status": "closed"}, format="json"
    )
    # then
    assert refused.status_code == 409
    assert refused.json()["errors"]["status"] == ["Allowed next: under_review."]


def test_an_agency_admin_is_told_who_handles_complaints(world, client_for):
    # when
    refused = client_for(world.police_admin).get("/api/v1/complaints/")
    # then
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only oversight members and platform admins handle complaints."
    )


def test_a_role_that_does_not_fit_is_named_by_its_value(world):
    # given
    newcomer = factories.user()
    # when
    with pytest.raises(Invalid) as refused:
        member_add(actor=world.platform_admin, agency=world.police, user=newcomer,
                   role=Role.COORDINATOR)  # fmt: skip
    # then
    assert "Role." not in refused.value.detail
    assert "'coordinator'" in refused.value.detail


def test_the_admin_says_matches(world, client):
    # given
    client.force_login(world.platform_admin)
    # when
    page = client.get("/admin/").content.decode()
    # then
    assert "Matches" in page
    assert "Matchs" not in page
