"""Audit: every change recorded with actor, address and correlation id; no personal data."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from analytics.models import Assessment
from fusion.models import AuditEntry
from incidents.models import Incident, Person
from tests import factories
from tests.scans import without_random

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
NAME, NATIONAL_ID, PHONE = "Sakina Notezai", "54321-7654321-9", "0300-1234567"
NOTES = "frequents Kuchlak qilla gatehouse"
PERSON = {
    "role": "victim",
    "full_name": NAME,
    "national_id": NATIONAL_ID,
    "phone": PHONE,
    "notes": NOTES,
}
SECRETS = (NAME, NATIONAL_ID, PHONE, NOTES)


def fragments(value: str) -> set[str]:
    """Both halves and every 6-character window: a partial leak is a leak."""
    half = len(value) // 2
    windows = {value[i : i + 6] for i in range(len(value) - 5)}
    return {value[:half], value[half:], *windows}


def entries_for(model: type, pk: object) -> list[AuditEntry]:
    content_type = ContentType.objects.get_for_model(model)
    return list(
        AuditEntry.objects.filter(content_type=content_type, object_pk=str(pk)).order_by("id")
    )


def all_rows_as_text() -> str:
    """Every row of every table, cast to text by the database itself, less the values random
    by construction (tests.scans)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT CAST(t.* AS TEXT) FROM {connection.ops.quote_name(table)} t")  # noqa: S608
            chunks.extend(row[0] for row in cursor.fetchall())
    return without_random("\n".join(chunks))


def test_create_update_delete_are_audited_with_actor_address_and_cid(world, client_for):
    # given
    client = client_for(world.police_submitter)
    # when
    created = client.post(
        URL, factories.payload(persons=[PERSON]), format="json", REMOTE_ADDR="10.1.2.3"
    )
    incident_id = created.json()["id"]
    patched = client.patch(
        f"{URL}{incident_id}/",
        {"severity": 5, "persons": [{**PERSON, "phone": "0311-7654321"}]},
        format="json",
    )
    deleted = client.delete(f"{URL}{incident_id}/")
    # then
    assert (created.status_code, patched.status_code, deleted.status_code) == (201, 200, 204)
    entries = entries_for(Incident, incident_id)
    assert [e.action for e in entries] == [0, 1, 2]
    for entry, response in zip(entries, (created, patched, deleted), strict=True):
        assert entry.actor == world.police_submitter
        assert entry.acting_agency == world.police
        assert entry.object_agency == world.police
        assert entry.cid == response["X-Correlation-ID"]
    assert entries[0].remote_addr == "10.1.2.3"
    assert entries[1].changes["severity"] == ["3", "5"]
    person_entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person)
    )
    assert person_entries.filter(action=0).count() == 2
    assert person_entries.filter(action=2).count() == 2
    assert all(e.actor == world.police_submitter for e in person_entries)


def test_person_fields_are_fully_redacted_in_audit(world, client_for):
    # given / when
    client = client_for(world.police_submitter)
    created = client.post(URL, factories.payload(persons=[PERSON]), format="json")
    person = Person.objects.get()
    # then
    [entry] = entries_for(Person, person.pk)
    for field in ("full_name", "national_id", "phone", "notes"):
        assert entry.changes[field] == ["[redacted]", "[redacted]"]
    assert "national_id_index" not in entry.changes
    assert NAME not in entry.object_repr
    assert created.status_code == 201


def test_no_plaintext_personal_data_in_any_table(world, client_for):
    # given: persons written, updated, read with purpose, and an idempotent POST stored
    client = client_for(world.police_submitter)
    body = factories.payload(persons=[PERSON])
    created = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    incident_id = created.json()["id"]
    client.patch(
        f"{URL}{incident_id}/", {"persons": [PERSON, {**PERSON, "role": "witness"}]}, format="json"
    )
    client_for(world.police_analyst).get(
        f"{URL}{incident_id}/", {"include": "persons", "purpose": "audit test"}
    )
    # when
    text = all_rows_as_text()
    # then
    assert Person.objects.filter(full_name=None).count() == 0  # data is there, encrypted
    for secret in SECRETS:
        for fragment in fragments(secret):
            assert fragment not in text, fragment


def test_person_read_is_logged_with_purpose(world, client_for):
    incident = factories.incident(world.police, world.police_submitter, persons=[PERSON])
    client_for(world.police_analyst).get(
        f"{URL}{incident.pk}/", {"include": "persons", "purpose": "link analysis 4"}
    )
    entry = AuditEntry.objects.get(event="incident.persons_read")
    assert (entry.actor, entry.purpose, entry.action) == (
        world.police_analyst,
        "link analysis 4",
        3,
    )
    assert entry.additional_data["persons_returned"] == 1
    assert entry.object_agency == world.police


def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(world, client_for, settings):
    client = client_for(world.police_submitter)
    client.post(
        URL,
        factories.payload(external_ref="a"),
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        format="json",
    )
    settings.FUSION_TRUSTED_PROXIES = ["10.0.0.9"]
    client.post(
        URL,
        factories.payload(external_ref="b"),
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 7.7.7.7",
        format="json",
    )
    addrs = [
        e.remote_addr
        for e in AuditEntry.objects.filter(action=0, content_type__model="incident").order_by("id")
    ]
    assert addrs == ["10.0.0.9", "7.7.7.7"]


def test_client_cannot_choose_the_correlation_id(world, client_for):
    response = client_for(world.police_submitter).post(
        URL, factories.payload(), format="json", HTTP_X_CORRELATION_ID="forged"
    )
    entry = AuditEntry.objects.filter(action=0).latest("id")
    assert entry.cid == response["X-Correlation-ID"] != "forged"


def test_audit_endpoint_for_platform_admin_and_oversight(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    # when
    admin = client_for(world.platform_admin).get("/api/v1/audit/", {"object_id": str(incident.pk)})
    overseer = client_for(world.overseer).get(
        "/api/v1/audit/", {"action": "create", "object_type": "incidents.incident"}
    )
    analyst = client_for(world.police_analyst).get("/api/v1/audit/")
    # then
    assert admin.status_code == 200
    [row] = admin.json()["results"]
    assert row["action"] == "create"
    assert row["object_type"] == "incidents.incident"
    assert row["actor"] == "police_submitter"
    assert overseer.status_code == 200
    assert overseer.json()["count"] == 1
    assert analyst.status_code == 403
    assert AuditEntry.objects.filter(event="audit.read").count() == 2


def test_an_agency_admin_reads_only_entries_about_its_own_agencys_objects(world, client_for):
    # given
    own = factories.incident(world.police, world.police_submitter)
    other = factories.incident(world.levies, world.levies_submitter)
    # when
    response = client_for(world.police_admin).get("/api/v1/audit/", {"page_size": 500})
    verify = client_for(world.police_admin).get("/api/v1/audit/verify/")
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["object_agency"] for r in rows} == {"police"}
    assert str(own.pk) in {r["object_id"] for r in rows}
    assert str(other.pk) not in {r["object_id"] for r in rows}
    assert verify.status_code == 403
    assert AuditEntry.objects.filter(event="audit.read", actor=world.police_admin).count() == 1


def assessment(world, status: str) -> Assessment:
    return Assessment.objects.create(
        kind="hotspots", status=status, requester=world.police_analyst, agency=world.police,
        scope={}, params={}, scope_key="audit", method_version="1", code_version="audit",
        result={"cells": [{"incidents": ["an incident the admin may not see"]}]},
    )  # fmt: skip


def test_an_agency_admin_reads_no_entry_of_an_assessment_it_may_not_see(world, client_for):
    # given: a result pending review (only reviewers and its requester see it) and one approved
    pending, approved = assessment(world, "pending_review"), assessment(world, "approved")
    query = {"object_type": "analytics.assessment", "page_size": 500}
    # when
    admin = client_for(world.police_admin).get("/api/v1/audit/", query).json()["results"]
    overseer = client_for(world.overseer).get("/api/v1/audit/", query).json()["results"]
    # then
    assert {r["object_id"] for r in admin} == {str(approved.pk)}
    assert {r["object_id"] for r in overseer} == {str(pending.pk), str(approved.pk)}


def test_a_refused_request_is_kept_in_the_trail(world, client_for):
    # given: an analyst may read the incident but not change it
    incident = factories.incident(world.police, world.police_submitter)
    # when
    patch = client_for(world.police_analyst).patch(
        f"/api/v1/incidents/{incident.pk}/", {"severity": 5}, format="json"
    )
    users = client_for(world.police_analyst).get("/api/v1/users/")
    anonymous = client_for(None).get("/api/v1/users/")
    # then
    assert (patch.status_code, users.status_code, anonymous.status_code) == (403, 403, 401)
    refused = AuditEntry.objects.filter(event="access.refused").order_by("pk")
    assert [(e.actor, e.outcome, e.additional_data["method"]) for e in refused] == [
        (world.police_analyst, "failure", "PATCH"),
        (world.police_analyst, "failure", "GET"),
    ]
    assert refused[0].additional_data["path"] == f"/api/v1/incidents/{incident.pk}/"
    assert refused[0].acting_agency == world.police
    assert refused[0].cid


def test_audit_filters_reject_bad_values(world, client_for):
    response = client_for(world.platform_admin).get("/api/v1/audit/", {"action": "explode"})
    assert response.status_code == 400
    assert "action" in response.json()["errors"]


def _as_written(entry: AuditEntry) -> tuple:
    return (
        entry.content_type_id,
        entry.object_pk,
        entry.object_repr,
        entry.action,
        entry.actor_id,
        entry.acting_agency_id,
        entry.object_agency_id,
        entry.additional_data,
    )


def _field_changes(entry: AuditEntry, model: type) -> dict:
    """auditlog's changes on concrete fields (it also lists reverse relations on create)."""
    names = {f.name for f in model._meta.concrete_fields}
    return {name: pair for name, pair in entry.changes.items() if name in names}


def test_bulk_entries_are_written_as_auditlog_writes_single_saves(world):
    # given: auditlog's own entries for a create and an update, and a person with a name
    from fusion import audit

    with audit.acting_for(world.police_submitter, world.police.pk):
        incident = factories.incident(world.police, world.police_submitter, contexts=["cve"])
        person = Person.objects.create(incident=incident, role="victim", full_name=NAME)
        old = Incident.objects.get(pk=incident.pk)
        incident.severity, incident.description = 5, "now with a description"
        incident.version += 1
        incident.save()
        created, updated = entries_for(Incident, incident.pk)[-2:]
        # when: the same changes written in bulk
        count = audit.log_bulk([(None, old), (old, incident), (None, person)], event="bulk")
    bulk = list(AuditEntry.objects.filter(event="bulk").order_by("id"))
    # then: the same entries; a create lists every field auditlog lists, with the same values
    assert count == 3
    single = [created, updated, entries_for(Person, person.pk)[-1]]
    assert [_as_written(e) for e in bulk] == [_as_written(e) for e in single]
    assert _field_changes(created, Incident).items() <= bulk[0].changes.items()
    assert (
        bulk[1].changes
        == updated.changes
        == {
            "severity": [str(old.severity), "5"],
            "description": [old.description, "now with a description"],
            "version": [str(old.version), str(old.version + 1)],
        }
    )
    assert bulk[2].changes["full_name"] == ["None", "[redacted]"]
    assert NAME not in str(bulk[2].changes)
