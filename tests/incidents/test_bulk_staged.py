"""The set-based bulk path on PostgreSQL writes what the instance-by-instance code would:
audit entries equal to `audit.log_bulk`'s (itself held to auditlog's own entries), and
permission rows equal to those the grants imply."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from fusion import audit
from fusion.choices import ShareOrigin
from fusion.models import AuditEntry, ShareGrant, SharingAgreement
from fusion.sharing import permission_store
from fusion.sharing.agreements import agreement_apply
from fusion.sharing.shares import share_grant
from incidents.bulk import incident_upsert_batch
from incidents.models import Incident, IncidentGroupObjectPermission, IncidentUserObjectPermission
from tests import factories

pytestmark = pytest.mark.django_db


def expected_changes(old, new) -> dict:
    fields, masked = audit._audited_fields(type(new))
    return audit._diff(audit._as_text(old, fields, masked), audit._as_text(new, fields, masked))


def entries(model, event: str) -> dict[str, AuditEntry]:
    """The latest entry of each object."""
    kind = ContentType.objects.get_for_model(model)
    found = list(AuditEntry.objects.filter(content_type=kind, event=event).order_by("id"))
    return {e.object_pk: e for e in found}


def test_incident_entries_equal_those_written_from_instances(world, settings):
    # given: a first batch, then one updating part of it with odd values (a signed zero, a
    # point near 0,0: no district register holds them) and adding more
    settings.FUSION_DISTRICT_REGISTER = "off"
    first = [
        factories.record(external_ref=f"S-{n}", latitude=30.0, longitude=-0.0, contexts=["cve"])
        for n in range(4)
    ]
    incident_upsert_batch(actor=world.police_submitter, agency=world.police, records=first)
    before = {i.external_ref: i for i in Incident.objects.filter(agency=world.police)}
    second = [
        factories.record(external_ref="S-0", severity=5, latitude=1e-05, description='é ∑ "q"'),
        factories.record(external_ref="S-1", occurred_at=before["S-1"].occurred_at),
        factories.record(external_ref="S-9", longitude=67.123456789012, injured=7),
    ]
    second[1].update({k: getattr(before["S-1"], k) for k in ("reported_at", "description")})
    # when
    with audit.acting_for(world.police_admin, world.police.pk):
        result = incident_upsert_batch(
            actor=world.police_admin, agency=world.police, records=second
        )
    # then: one entry per record, as log_bulk would write from the instances
    assert (result.created, result.updated) == (1, 2)
    kind = ContentType.objects.get_for_model(Incident)
    assert AuditEntry.objects.filter(content_type=kind, event="bulk_upsert").count() == 4 + 3
    written = entries(Incident, "bulk_upsert")
    for incident in Incident.objects.filter(external_ref__in=["S-0", "S-1", "S-9"]):
        entry = written[str(incident.pk)]
        old = before.get(incident.external_ref)
        assert entry.changes == expected_changes(old, incident)
        assert entry.action == (
            AuditEntry.Action.CREATE if old is None else AuditEntry.Action.UPDATE
        )
        assert entry.object_repr == str(incident)
        assert entry.object_agency_id == world.police.pk
        assert entry.additional_data == {"object_agency_id": world.police.pk, "component": "system"}
        assert entry.actor == world.police_admin
        assert entry.acting_agency_id == world.police.pk
    # a re-post equal but for place and contexts lists just those (and the version, and the
    # fingerprint, which covers the place)
    changed = set(written[str(before["S-1"].pk)].changes)
    assert changed == {"latitude", "longitude", "contexts", "version", "fingerprint"}


def test_agreement_grants_and_their_entries_equal_the_instance_path(world):
    # given
    agreement = SharingAgreement.objects.create(
        owner=world.police, recipient=world.levies, categories=["kidnapping"],
        level="view_persons", created_by=world.police_admin,
    )  # fmt: skip
    agreement_apply(agreement_id=agreement.pk)
    records = [factories.record(category=c) for c in ("kidnapping", "robbery", "kidnapping")]
    # when
    result = incident_upsert_batch(
        actor=world.police_submitter, agency=world.police, records=records
    )
    # then: grants for the two kidnappings, each audited as log_bulk would
    grants = list(ShareGrant.objects.filter(agreement=agreement).order_by("id"))
    assert sorted(g.incident_id for g in grants) == sorted([result.ids[0], result.ids[2]])
    written = entries(ShareGrant, "agreement.share")
    for grant in grants:
        entry = written[str(grant.pk)]
        assert entry.changes == expected_changes(None, grant)
        assert entry.object_repr == str(grant)
        assert entry.object_id == grant.pk
        assert entry.object_agency_id == world.police.pk
    # and the levies group holds both permissions on exactly those incidents
    held = set(
        IncidentGroupObjectPermission.objects.filter(group=world.levies.group).values_list(
            "content_object_id", "permission__codename"
        )
    )
    assert held == {
        (pk, codename)
        for pk in (result.ids[0], result.ids[2])
        for codename in ("view_incident", "view_incident_persons")
    }


def test_permission_rows_equal_what_the_live_grants_imply(world):
    # given: grants to groups and a named user, at both levels, with and without expiry,
    # one revoked and one lapsed; overlapping ones come of approved access requests (one
    # explicit share per recipient is live at a time)
    now = timezone.now()
    amber = [factories.incident(world.police, world.police_submitter) for _ in range(3)]
    red = factories.incident(world.police, world.police_submitter, tlp="RED")

    def grant(incident, **kwargs):
        return share_grant(
            actor=world.police_admin, incident=incident, purpose="case work", **kwargs
        )

    grant(amber[0], agency=world.levies, level="view")
    asked = {"origin": ShareOrigin.ACCESS_REQUEST}
    grant(amber[0], agency=world.levies, level="view_persons", expires_at=now + timedelta(days=2),
          **asked)  # fmt: skip
    grant(amber[0], agency=world.centre, level="view", expires_at=now + timedelta(days=1))
    grant(amber[1], agency=world.centre, level="view", expires_at=now + timedelta(days=1))
    grant(amber[1], agency=world.centre, level="view", expires_at=now + timedelta(days=3), **asked)
    grant(amber[2], agency=world.levies, level="view_persons").delete()
    grant(red, user=world.levies_analyst, level="view_persons")
    lapsed = grant(amber[2], agency=world.centre, level="view")
    ShareGrant.objects.filter(pk=lapsed.pk).update(expires_at=now - timedelta(hours=1))
    ids = [i.pk for i in [*amber, red]]
    # when
    permission_store.rebuild(ids)
    # then: the rows are what the Python reading of the grants gives
    rows = {
        ("group", g, p, i): e
        for g, p, i, e in IncidentGroupObjectPermission.objects.values_list(
            "group_id", "permission__codename", "content_object_id", "expires_at"
        )
    } | {
        ("user", u, p, i): e
        for u, p, i, e in IncidentUserObjectPermission.objects.values_list(
            "user_id", "permission__codename", "content_object_id", "expires_at"
        )
    }
    assert rows == permission_store._desired(ids)
    assert rows[("group", world.centre.group_id, "view_incident", amber[1].pk)] == max(
        g.expires_at for g in ShareGrant.objects.filter(incident=amber[1])
    )
    assert rows[("group", world.levies.group_id, "view_incident", amber[0].pk)] is None
