"""An explicit share with a recipient is made once while it is live: a second is a 409 naming
the live one, so one revocation ends the access one share gave. And a share is checked against
the incident as it is when its row is locked, not as the caller read it."""

import pytest

from fusion.errors import Invalid
from fusion.models import ShareGrant
from fusion.sharing.shares import share_grant
from fusion.sharing.visibility import visible_incidents
from incidents.models import Incident
from incidents.services import incident_update
from tests import factories

pytestmark = pytest.mark.django_db

BODY = {"agency": "levies", "level": "view", "purpose": "joint operation"}


def shares_url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/shares/"


def test_a_second_live_share_with_the_same_agency_is_a_conflict(world, client_for):
    # given: a police incident shared with the levies
    incident = factories.incident(world.police, world.police_submitter)
    admin = client_for(world.police_admin)
    first = admin.post(shares_url(incident), BODY, format="json")
    # when: shared with them again, at another level
    again = admin.post(shares_url(incident), {**BODY, "level": "view_persons"}, format="json")
    # then
    assert first.status_code == 201, first.content
    assert again.status_code == 409
    assert f"share {first.json()['id']}" in again.json()["detail"]
    assert ShareGrant.objects.filter(incident=incident).count() == 1


def test_one_revocation_ends_the_access_and_a_new_share_may_follow(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    admin, reader = client_for(world.police_admin), client_for(world.levies_analyst)
    made = admin.post(shares_url(incident), BODY, format="json").json()
    assert reader.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    # when: revoked once
    revoked = admin.delete(f"{shares_url(incident)}{made['id']}/")
    # then: the levies see it no longer
    assert revoked.status_code == 204
    assert reader.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    # and it may be shared with them again
    assert admin.post(shares_url(incident), BODY, format="json").status_code == 201
    assert reader.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200


def test_other_recipients_are_shared_with_alongside(world, client_for):
    incident = factories.incident(world.police, world.police_submitter)
    admin = client_for(world.police_admin)
    assert admin.post(shares_url(incident), BODY, format="json").status_code == 201
    other = {**BODY, "agency": world.centre.code}
    assert admin.post(shares_url(incident), other, format="json").status_code == 201


def test_a_share_is_checked_against_the_incident_as_it_is_not_as_it_was_read(world):
    # given: the admin's page read the incident while it was AMBER; a submitter has raised it
    # to RED since (which ends every agency share)
    read_then = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    now = Incident.objects.get(pk=read_then.pk)
    incident_update(
        actor=world.police_submitter, incident=now, changes={"tlp": "RED"},
        expected_version=None, replace=False,
    )  # fmt: skip
    # when: the share is made from what the page read
    with pytest.raises(Invalid):
        share_grant(
            actor=world.police_admin, incident=read_then, agency=world.levies, level="view",
            purpose="joint operation",
        )  # fmt: skip
    # then: no agency share of the RED incident, and the levies do not see it
    assert not ShareGrant.objects.filter(incident=read_then).exists()
    assert not visible_incidents(world.levies_analyst).filter(pk=read_then.pk).exists()


def test_a_group_row_left_on_a_red_incident_opens_it_to_no_agency(world):
    # given: an agency share, and then the label raised to RED behind the services' back (as
    # a race would leave it): the group's permission row is still there
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    share_grant(
        actor=world.police_admin, incident=incident, agency=world.levies, level="view",
        purpose="joint operation",
    )  # fmt: skip
    Incident.objects.filter(pk=incident.pk).update(tlp="RED")
    # then: the levies see it no more; its owner still does
    assert not visible_incidents(world.levies_analyst).filter(pk=incident.pk).exists()
    assert visible_incidents(world.police_analyst).filter(pk=incident.pk).exists()
