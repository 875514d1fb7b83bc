"""The Django admin shows incident content only as the API would, and only after a purpose.

Every test logs in to /admin/ with a password (a real session) and reads the HTML served.
"""

import pytest

from fusion.models import AuditEntry
from fusion.sharing.shares import share_grant
from tests import factories

pytestmark = pytest.mark.django_db

DESCRIPTION = "Ambush at the old Kalat bazaar checkpoint"
SUSPECT = "Zarghuna Baloch-Mengal"
WITNESS = "Hayatullah Witness-Kakar"
LATITUDE, LONGITUDE = 30.123457, 67.054321  # in Quetta, the factory's district
PURPOSE = "Review of the Kalat ambush for case 2026-17"


def _incident(owner, by, tlp):
    return factories.incident(
        owner,
        by,
        tlp=tlp,
        description=DESCRIPTION,
        latitude=LATITUDE,
        longitude=LONGITUDE,
        persons=[
            {"role": "suspect", "full_name": SUSPECT, "national_id": "5440012345671"},
            {"role": "witness", "full_name": WITNESS},
        ],
    )


def _login(client, user):
    assert client.login(username=user.username, password=factories.PASSWORD)
    return client


def _content_of(html: str) -> set[str]:
    shown = {DESCRIPTION, SUSPECT, WITNESS, str(LATITUDE), str(LONGITUDE)}
    return {text for text in shown if text in html}


def _pages(client, incident) -> str:
    base = f"/admin/incidents/incident/{incident.pk}"
    pages = [
        client.get("/admin/incidents/incident/"),
        client.get(f"{base}/change/"),
        client.get(f"{base}/content/"),
        client.post(f"{base}/content/", {"purpose": PURPOSE}),
        client.get(f"{base}/history/"),
        client.get(f"{base}/permissions/"),
    ]
    return "".join(page.content.decode() for page in pages)


@pytest.mark.parametrize("tlp", ["RED", "AMBER"])
def test_platform_admin_without_content_role_gets_no_incident_content(world, client, tlp):
    # given
    incident = _incident(world.police, world.police_submitter, tlp)
    _login(client, world.platform_admin)
    # when
    html = _pages(client, incident)
    # then: the metadata needed to repair permissions is there, the content is not
    assert str(incident.pk) in html
    assert _content_of(html) == set()
    assert not AuditEntry.objects.filter(event__startswith="incident.", outcome="success").exists()


def test_platform_admin_without_content_role_is_refused_the_content_step(world, client):
    # given
    incident = _incident(world.police, world.police_submitter, "AMBER")
    _login(client, world.platform_admin)
    # when
    response = client.post(
        f"/admin/incidents/incident/{incident.pk}/content/", {"purpose": PURPOSE}
    )
    # then: like the API's detail read of an incident the reader may not see
    assert response.status_code == 404
    refused = AuditEntry.objects.get(event="incident.access_refused")
    assert refused.actor == world.platform_admin


def test_analyst_platform_admin_reads_content_only_after_stating_a_purpose(world, client):
    # given: a platform admin who is also an analyst of the police
    admin = factories.member(world.police, "analyst", "root.analyst")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    incident = _incident(world.police, world.police_submitter, "AMBER")
    _login(client, admin)
    base = f"/admin/incidents/incident/{incident.pk}"
    before = AuditEntry.objects.count()
    # when: the list, the change page and the purpose form come first
    browsing = client.get("/admin/incidents/incident/").content.decode()
    browsing += client.get(f"{base}/change/").content.decode()
    browsing += client.get(f"{base}/content/").content.decode()
    refused = client.post(f"{base}/content/", {"purpose": ""})
    read = client.post(f"{base}/content/", {"purpose": PURPOSE})
    # then
    assert _content_of(browsing) == set()
    assert _content_of(refused.content.decode()) == set()
    assert read.status_code == 200
    assert _content_of(read.content.decode()) == {
        DESCRIPTION,
        SUSPECT,
        WITNESS,  # the owning agency sees its witnesses
        str(LATITUDE),
        str(LONGITUDE),
    }
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.event == "incident.persons_read"
    assert entry.object_pk == str(incident.pk)
    assert entry.actor == admin
    assert entry.acting_agency == world.police
    assert entry.purpose == PURPOSE
    assert entry.cid == read["X-Correlation-ID"]


def test_shared_incident_in_admin_never_shows_other_agencys_witnesses(world, client):
    # given: a levies incident shared with the police with persons
    admin = factories.member(world.police, "analyst", "root.analyst")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    incident = _incident(world.levies, world.levies_submitter, "AMBER")
    share_grant(
        actor=world.levies_admin,
        incident=incident,
        agency=world.police,
        level="view_persons",
        purpose="joint investigation",
    )
    _login(client, admin)
    # when
    read = client.post(f"/admin/incidents/incident/{incident.pk}/content/", {"purpose": PURPOSE})
    # then
    assert read.status_code == 200
    assert _content_of(read.content.decode()) == {
        DESCRIPTION,
        SUSPECT,
        str(LATITUDE),
        str(LONGITUDE),
    }


def test_incident_content_cannot_be_edited_or_deleted_in_admin(world, client):
    # given
    admin = factories.member(world.police, "agency_admin", "root.police")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    incident = _incident(world.police, world.police_submitter, "AMBER")
    _login(client, admin)
    base = f"/admin/incidents/incident/{incident.pk}"
    # when
    edit = client.post(f"{base}/change/", {"description": "rewritten", "tlp": "CLEAR"})
    delete = client.post(f"{base}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/incidents/incident/",
        {"action": "delete_selected", "_selected_action": [incident.pk], "post": "yes"},
    )
    # then
    assert edit.status_code == delete.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    incident.refresh_from_db()
    assert (incident.description, incident.tlp) == (DESCRIPTION, "AMBER")


def test_audit_entries_in_admin_show_no_incident_values(world, client):
    # given: the creation of a RED incident is in the audit trail
    incident = _incident(world.police, world.police_submitter, "RED")
    entry = AuditEntry.objects.get(object_pk=str(incident.pk), action=AuditEntry.Action.CREATE)
    _login(client, world.platform_admin)
    # when
    html = client.get(f"/admin/fusion/auditentry/{entry.pk}/change/").content.decode()
    html += client.get("/admin/fusion/auditentry/").content.decode()
    # then
    assert "description" in html  # which fields changed stays visible
    assert _content_of(html) == set()
