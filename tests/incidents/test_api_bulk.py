"""Bulk ingest: atomic, upserting, idempotent, audited record by record, agreements applied."""

import pytest
from django.contrib.contenttypes.models import ContentType

from fusion.models import AuditEntry, SharingAgreement
from fusion.sharing.agreements import agreement_apply
from incidents.models import Incident, Person
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/bulk/"


def batch(n: int, prefix: str = "B", **overrides) -> list[dict]:
    return [factories.payload(external_ref=f"{prefix}-{i:05d}", **overrides) for i in range(n)]


def incident_entries(action: int) -> int:
    kind = ContentType.objects.get_for_model(Incident)
    return AuditEntry.objects.filter(content_type=kind, action=action).count()


def test_a_5000_record_batch_is_stored_with_ids_in_input_order(world, client_for):
    # given
    records = batch(5000)
    records[0]["persons"] = [{"role": "victim", "full_name": "Bulk Victim", "national_id": "5-1"}]
    # when
    response = client_for(world.police_submitter).post(URL, {"incidents": records}, format="json")
    # then
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["created"], body["updated"]) == (5000, 0)
    stored = dict(Incident.objects.values_list("external_ref", "id"))
    assert body["ids"] == [str(stored[r["external_ref"]]) for r in records]
    assert incident_entries(action=0) == 5000
    assert Person.objects.get().full_name == "Bulk Victim"


def test_bad_records_are_listed_by_index_and_nothing_is_stored(world, client_for):
    # given
    records = batch(10)
    records[2]["severity"] = 9
    records[5]["latitude"] = 123
    records[7]["occurred_at"] = "2026-03-02T10:00:00+00:00"
    records[7]["reported_at"] = "2026-03-01T10:00:00+00:00"
    records[8]["external_ref"] = records[1]["external_ref"]
    entries_before = AuditEntry.objects.count()
    # when
    response = client_for(world.police_submitter).post(URL, {"incidents": records}, format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]["incidents"]
    assert set(errors) == {"2", "5", "7", "8"}
    assert "severity" in errors["2"]
    assert "latitude" in errors["5"]
    assert "occurred_at" in errors["7"]
    assert "external_ref" in errors["8"]
    assert Incident.objects.count() == 0
    assert AuditEntry.objects.count() == entries_before


def test_upsert_batch_mixing_new_and_existing_refs(world, client_for):
    # given
    client = client_for(world.police_submitter)
    client.post(URL, {"incidents": batch(3, severity=2)}, format="json")
    # when
    mixed = batch(5, severity=4)
    response = client.post(URL, {"incidents": mixed}, format="json")
    # then
    assert (response.json()["created"], response.json()["updated"]) == (2, 3)
    assert Incident.objects.count() == 5
    versions = dict(Incident.objects.values_list("external_ref", "version"))
    assert versions == {"B-00000": 2, "B-00001": 2, "B-00002": 2, "B-00003": 1, "B-00004": 1}
    assert set(Incident.objects.values_list("severity", flat=True)) == {4}
    updates = AuditEntry.objects.filter(action=1, content_type__model="incident")
    assert updates.count() == 3
    assert all(e.changes["severity"] == ["2", "4"] for e in updates)
    assert all(e.actor == world.police_submitter and e.cid for e in updates)


def test_retried_batch_with_same_idempotency_key_changes_nothing(world, client_for):
    client = client_for(world.police_submitter)
    body = {"incidents": batch(20)}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    entries = AuditEntry.objects.count()
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    assert first.json() == retry.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.count() == entries
    assert set(Incident.objects.values_list("version", flat=True)) == {1}


def test_over_the_maximum_is_413(world, client_for, settings):
    settings.FUSION_BULK_MAX = 3
    response = client_for(world.police_submitter).post(URL, {"incidents": batch(4)}, format="json")
    assert response.status_code == 413
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "incidents"), ({"incidents": []}, "incidents"), ({"incidents": batch(1), "x": 1}, "x")],
)
def test_bad_envelope_is_400(world, client_for, body, field):
    response = client_for(world.police_submitter).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_per_record_agency_is_refused_and_analysts_cannot_post(world, client_for):
    records = batch(2)
    records[1]["agency"] = "levies"
    response = client_for(world.police_submitter).post(URL, {"incidents": records}, format="json")
    assert response.status_code == 400
    assert "agency" in response.json()["errors"]["incidents"]["1"]
    analyst = client_for(world.police_analyst).post(URL, {"incidents": batch(1)}, format="json")
    assert analyst.status_code == 403


def test_agreements_share_bulk_ingested_records(world, client_for):
    # given
    agreement = SharingAgreement.objects.create(
        owner=world.police,
        recipient=world.levies,
        categories=["kidnapping"],
        created_by=world.police_admin,
    )
    agreement_apply(agreement_id=agreement.pk)
    records = batch(4, category="robbery") + batch(3, prefix="K", category="kidnapping")
    # when
    client_for(world.police_submitter).post(URL, {"incidents": records}, format="json")
    # then
    seen = client_for(world.levies_analyst).get("/api/v1/incidents/").json()["results"]
    assert sorted(r["external_ref"] for r in seen) == ["K-00000", "K-00001", "K-00002"]


def test_bulk_records_find_matches(world, client_for):
    factories.incident(
        world.levies,
        world.levies_submitter,
        category="bombing-ied",
        occurred_at=factories.record()["occurred_at"],
    )
    other = Incident.objects.get()
    record = factories.payload(
        category="bombing-ied",
        occurred_at=other.occurred_at.isoformat(),
        reported_at=other.reported_at.isoformat(),
    )
    client_for(world.police_submitter).post(URL, {"incidents": [record]}, format="json")
    hints = client_for(world.levies_analyst).get("/api/v1/matches/").json()["results"]
    assert [(h["own_incident"], h["other_agency"]) for h in hints] == [(str(other.pk), "police")]
