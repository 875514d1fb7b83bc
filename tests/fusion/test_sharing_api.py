"""Explicit shares: levels, redaction, TLP rules, revocation and expiry, who may share."""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from fusion.models import AuditEntry, ShareGrant
from fusion.sharing import permission_store
from fusion.sharing.shares import shares_expire
from incidents.models import IncidentGroupObjectPermission
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
PERSONS = [
    {"role": "victim", "full_name": "Victim One", "national_id": "51111-1111111-1"},
    {"role": "witness", "full_name": "Witness Two", "national_id": "52222-2222222-2"},
]


def shares_url(incident) -> str:
    return f"{URL}{incident.pk}/shares/"


def share(client, incident, **body):
    body = {"agency": "levies", "level": "view", "purpose": "joint operation", **body}
    return client.post(shares_url(incident), body, format="json")


@pytest.fixture
def amber(world):
    return factories.incident(world.police, world.police_submitter, tlp="AMBER", persons=PERSONS)


def read(client, incident, persons=False):
    params = {"include": "persons", "purpose": "joint operation"} if persons else {}
    return client.get(f"{URL}{incident.pk}/", params)


def test_view_share_shows_incident_without_persons(world, client_for, amber):
    # given
    reader = client_for(world.levies_analyst)
    assert read(reader, amber).status_code == 404
    # when
    response = share(client_for(world.police_admin), amber)
    # then
    assert response.status_code == 201, response.content
    assert response.json()["agency"] == "levies"
    shown = read(reader, amber, persons=True)
    assert shown.status_code == 200
    assert shown.json()["persons"] == []
    assert shown.json()["redacted"] is True
    assert str(amber.pk) in reader.get(URL).content.decode()


def test_view_persons_share_never_includes_witnesses(world, client_for, amber):
    share(client_for(world.police_admin), amber, level="view_persons")
    shown = read(client_for(world.levies_analyst), amber, persons=True)
    assert [p["full_name"] for p in shown.json()["persons"]] == ["Victim One"]
    assert shown.json()["redacted"] is True
    assert "Witness Two" not in shown.content.decode()


def test_coordinator_sees_what_is_shared_with_the_fusion_centre(world, client_for, amber):
    assert read(client_for(world.coordinator), amber).status_code == 404
    share(client_for(world.police_admin), amber, agency="bfc")
    assert read(client_for(world.coordinator), amber).status_code == 200
    assert read(client_for(world.levies_analyst), amber).status_code == 404


def test_revoked_share_is_invisible_on_the_next_request(world, client_for, amber):
    # given
    admin = client_for(world.police_admin)
    grant_id = share(admin, amber).json()["id"]
    reader = client_for(world.levies_analyst)
    assert read(reader, amber).status_code == 200
    # when
    revoked = admin.delete(f"{shares_url(amber)}{grant_id}/")
    # then
    assert revoked.status_code == 204
    assert read(reader, amber).status_code == 404
    assert ShareGrant.objects.get(pk=grant_id).end_reason == "revoked"
    assert not IncidentGroupObjectPermission.objects.filter(content_object=amber).exists()


def test_expired_share_is_invisible_before_the_expiry_task_runs(world, client_for, amber):
    # given
    expires = datetime.now(UTC) + timedelta(hours=1)
    share(client_for(world.police_admin), amber, expires_at=expires.isoformat())
    reader = client_for(world.levies_analyst)
    assert read(reader, amber).status_code == 200
    # when / then: past the expiry, with the task not run
    with freeze_time(expires + timedelta(seconds=1)):
        assert read(reader, amber).status_code == 404
        assert str(amber.pk) not in reader.get(URL).content.decode()
        assert IncidentGroupObjectPermission.objects.filter(content_object=amber).exists()
        # and the task then cleans up
        assert shares_expire() == 1
    assert not IncidentGroupObjectPermission.objects.filter(content_object=amber).exists()
    assert ShareGrant.objects.get().end_reason == "expired"


@pytest.mark.parametrize(
    ("tlp", "body", "code", "field"),
    [
        ("CLEAR", {"level": "view_persons"}, 201, None),
        ("GREEN", {}, 201, None),
        ("AMBER", {"level": "view_persons"}, 201, None),
        ("AMBER+STRICT", {}, 201, None),
        ("AMBER+STRICT", {"level": "view_persons"}, 400, "level"),
        ("RED", {}, 400, "user"),
        ("RED", {"agency": None, "user": "levies_analyst"}, 201, None),
        ("GREEN", {"agency": None, "user": "levies_analyst"}, 400, "agency"),
        ("AMBER", {"agency": "police"}, 400, "agency"),
        ("AMBER", {"agency": "watch"}, 400, "agency"),
        ("AMBER", {"agency": "nowhere"}, 400, "agency"),
        ("AMBER", {"level": "everything"}, 400, "level"),
        ("AMBER", {"purpose": ""}, 400, "purpose"),
        ("AMBER", {"expires_at": "2020-01-01T00:00:00+00:00"}, 400, "expires_at"),
        ("AMBER", {"colour": "red"}, 400, "colour"),
        ("RED", {"agency": None, "user": "overseer"}, 400, "user"),
    ],
)
def test_tlp_and_share_rules(world, client_for, tlp, body, code, field):
    # given
    incident = factories.incident(world.police, world.police_submitter, tlp=tlp)
    # when
    response = share(client_for(world.police_admin), incident, **body)
    # then
    assert response.status_code == code, response.content
    if field:
        assert field in response.json()["errors"]
        assert response.json()["detail"]
        assert not ShareGrant.objects.exists()


def test_red_share_reaches_only_the_named_user(world, client_for):
    red = factories.incident(world.police, world.police_submitter, tlp="RED")
    share(client_for(world.police_admin), red, agency=None, user="levies_analyst")
    assert read(client_for(world.levies_analyst), red).status_code == 200
    assert read(client_for(world.levies_admin), red).status_code == 404


@pytest.mark.parametrize("who", ["police_submitter", "police_analyst"])
def test_only_owner_admins_share(world, client_for, amber, who):
    response = share(client_for(getattr(world, who)), amber)
    assert response.status_code == 403
    assert client_for(getattr(world, who)).get(shares_url(amber)).status_code == 403


def test_recipients_never_reshare_and_strangers_get_404(world, client_for, amber):
    share(client_for(world.police_admin), amber)
    assert share(client_for(world.levies_admin), amber, agency="bfc").status_code == 403
    stranger = client_for(world.coordinator)
    assert share(stranger, amber, agency="bfc").status_code == 404
    assert stranger.get(shares_url(amber)).status_code == 404


def test_recipient_cannot_edit_shared_incident(world, client_for, amber):
    share(client_for(world.police_admin), amber, level="view_persons")
    response = client_for(world.levies_admin).patch(
        f"{URL}{amber.pk}/", {"tlp": "CLEAR"}, format="json"
    )
    assert response.status_code == 403
    amber.refresh_from_db()
    assert amber.tlp == "AMBER"


def test_raising_tlp_to_red_ends_agency_shares(world, client_for, amber):
    admin = client_for(world.police_admin)
    share(admin, amber)
    response = admin.patch(f"{URL}{amber.pk}/", {"tlp": "RED"}, format="json")
    assert response.status_code == 200
    assert read(client_for(world.levies_analyst), amber).status_code == 404
    assert ShareGrant.objects.get().end_reason == "tlp_changed"


def test_share_and_revoke_are_audited(world, client_for, amber):
    admin = client_for(world.police_admin)
    grant_id = share(admin, amber).json()["id"]
    admin.delete(f"{shares_url(amber)}{grant_id}/")
    entries = AuditEntry.objects.filter(content_type__model="sharegrant", object_pk=str(grant_id))
    assert sorted(entries.values_list("action", flat=True)) == [0, 1]
    assert all(e.actor == world.police_admin for e in entries)


def test_permission_rows_follow_grants(world, client_for, amber):
    admin = client_for(world.police_admin)
    share(admin, amber, level="view")
    share(admin, amber, level="view_persons", agency="bfc")
    rows = set(
        IncidentGroupObjectPermission.objects.filter(content_object=amber).values_list(
            "group__name", "permission__codename"
        )
    )
    assert rows == {
        ("agency:levies", permission_store.VIEW),
        ("agency:bfc", permission_store.VIEW),
        ("agency:bfc", permission_store.VIEW_PERSONS),
    }
