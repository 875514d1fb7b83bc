"""A write that would store what is stored changes nothing, on every upsert route: the same
version, ETag and updated_at, no audit entry, no share, permission, match or person
rewritten, no task recorded; and a changed record next to it is written once."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from fusion.models import (
    AuditEntry,
    Match,
    OutboxTask,
    ShareGrant,
    SharingAgreement,
)
from fusion.sharing.agreements import agreement_apply
from incidents import bulk
from incidents.models import (
    Incident,
    IncidentGroupObjectPermission,
    IncidentUserObjectPermission,
    Person,
)
from incidents.services import incident_upsert
from tests import factories

pytestmark = pytest.mark.django_db

BULK = "/api/v1/incidents/bulk/"
PATHS = ["staged", "python"]
PERSONS = [
    {"role": "victim", "full_name": "Amina Noor", "national_id": "42101-1234567-1"},
    {"role": "witness", "full_name": "Bilal Khan", "phone": "+92 300 1234567", "notes": "x"},
]
WATCHED = (
    AuditEntry, Match, OutboxTask, ShareGrant, IncidentGroupObjectPermission,
    IncidentUserObjectPermission, Person,
)  # fmt: skip


def snapshot() -> dict:
    """What a no-op must leave as it is: every incident's version and times, and the ids of
    the rows of audit, matches, tasks, shares, permissions and persons (a rewrite of equal
    rows changes their ids)."""
    rows = {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in WATCHED}
    rows["Incident"] = set(Incident.objects.values_list("pk", "version", "updated_at"))
    return rows


def batch(n: int, **overrides) -> list[dict]:
    return [
        factories.payload(external_ref=f"N-{i:03d}", category="kidnapping", **overrides)
        for i in range(n)
    ]


@pytest.fixture
def shared(world):
    """An agreement sharing police kidnappings with levies, and a levies incident at the same
    place and time, so that ingest has shares, permission rows and matches to (re)write."""
    agreement = SharingAgreement.objects.create(
        owner=world.police,
        recipient=world.levies,
        categories=["kidnapping"],
        created_by=world.police_admin,
    )
    agreement_apply(agreement_id=agreement.pk)
    return agreement


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    return request.param


def test_identical_bulk_repost_changes_nothing(world, client_for, shared, path):
    # given: a batch with persons, stored once (shares, permissions, audit entries made)
    client = client_for(world.police_submitter)
    records = batch(5, persons=PERSONS)
    first = client.post(BULK, {"incidents": records}, format="json")
    assert first.status_code == 200, first.content[:300]
    assert ShareGrant.objects.exists()
    before = snapshot()
    # when: the same batch again, its persons in another order
    again = [{**r, "persons": list(reversed(r["persons"]))} for r in records]
    response = client.post(BULK, {"incidents": again}, format="json")
    # then
    assert response.status_code == 200, response.content[:300]
    assert snapshot() == before
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 5)
    assert body["ids"] == first.json()["ids"]


def test_changed_record_after_unchanged_one_is_written_once(world, client_for, shared, path):
    # given
    client = client_for(world.police_submitter)
    records = batch(3)
    client.post(BULK, {"incidents": records}, format="json")
    entries = AuditEntry.objects.count()
    # when: the first two as they are, the third with a new severity; then all three again
    records[2] = {**records[2], "severity": 5}
    changed = client.post(BULK, {"incidents": records}, format="json").json()
    repeated = client.post(BULK, {"incidents": records}, format="json").json()
    # then
    versions = dict(Incident.objects.values_list("external_ref", "version"))
    assert versions == {"N-000": 1, "N-001": 1, "N-002": 2}
    assert AuditEntry.objects.count() == entries + 1
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 2)
    assert (repeated["created"], repeated["updated"], repeated["unchanged"]) == (0, 0, 3)
    updated = AuditEntry.objects.latest("pk")
    assert (updated.action, updated.changes["severity"]) == (1, ["3", "5"])


def test_changed_person_is_an_update(world, client_for, path):
    # given
    client = client_for(world.police_submitter)
    records = batch(2, persons=PERSONS)
    client.post(BULK, {"incidents": records}, format="json")
    # when: one person's national id differs by a character
    other = [{**PERSONS[0], "national_id": "42101-1234567-2"}, PERSONS[1]]
    records[1] = {**records[1], "persons": other}
    body = client.post(BULK, {"incidents": records}, format="json").json()
    # then
    versions = dict(Incident.objects.values_list("external_ref", "version"))
    assert versions == {"N-000": 1, "N-001": 2}
    assert (body["updated"], body["unchanged"]) == (1, 1)
    stored = Incident.objects.get(external_ref="N-001")
    assert {p.national_id for p in stored.persons.all()} == {"42101-1234567-2", None}


def test_single_repost_and_put_of_the_same_values_change_nothing(world, client_for, shared):
    # given
    client = client_for(world.police_submitter)
    record = factories.payload(category="kidnapping", persons=PERSONS)
    created = client.post("/api/v1/incidents/", record, format="json")
    assert created.status_code == 201, created.content[:300]
    url = f"/api/v1/incidents/{created.json()['id']}/"
    etag = client.get(url)["ETag"]
    before = snapshot()
    # when: the same record posted again (external_ref upsert), then PUT as it is
    reposted = client.post("/api/v1/incidents/", record, format="json")
    body = {k: v for k, v in record.items() if k != "persons"}
    put = client.put(url, body, format="json", HTTP_IF_MATCH=etag)
    # then
    assert reposted.status_code == 200, reposted.content[:300]
    assert put.status_code == 200, put.content[:300]
    assert snapshot() == before
    assert reposted["ETag"] == put["ETag"] == etag == client.get(url)["ETag"]


def test_single_change_after_noop_bumps_version_once(world):
    # given
    record = factories.record(persons=PERSONS)
    incident, _ = incident_upsert(actor=world.police_submitter, agency=world.police, record=record)
    # when
    incident_upsert(actor=world.police_submitter, agency=world.police, record=record)
    changed, created = incident_upsert(
        actor=world.police_submitter, agency=world.police, record={**record, "injured": 7}
    )
    # then
    assert not created
    assert changed.version == 2
    assert Incident.objects.get(pk=incident.pk).version == 2


def test_reimporting_a_file_changes_nothing(world, shared, tmp_path):
    # given: a JSON Lines file imported once
    lines = [json.dumps(r) for r in batch(4)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")

    def run() -> str:
        out = StringIO()
        call_command(
            "import_incidents", str(source), "--agency", "police", "--restart",
            "--rejects", str(tmp_path / "rej.jsonl"), stdout=out,
        )  # fmt: skip
        return out.getvalue()

    run()
    before = snapshot()
    # when
    output = run()
    # then
    assert "0 created, 0 updated, 4 unchanged, 0 rejected" in output
    assert snapshot() == before
    assert Path(tmp_path / "rej.jsonl").read_text() == ""
