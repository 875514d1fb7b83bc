"""Re-posting an incident merges: what a record leaves out keeps its stored value on every
route (single, bulk on both paths, CSV and STIX import), so a TLP is never lowered by
omission; PUT replaces but keeps the TLP; every lowering is named and audited."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType

from fusion.models import AuditEntry, ShareGrant, SharingAgreement
from fusion.sharing.agreements import agreement_apply
from incidents import bulk, stix
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

ROUTES = ["single", "bulk_staged", "bulk_python", "csv_import", "stix_import"]
PERSONS = [{"role": "victim", "full_name": "Kept Victim", "legal_basis": "court order 7"}]


def stix_body(record: dict) -> dict:
    """A STIX bundle of one incident carrying `record`'s fields (no marking unless `tlp`)."""
    fields = {k: v for k, v in record.items() if k in stix.IMPORTED}
    incident = {
        "type": "incident", "spec_version": "2.1", "id": "incident--7e0d4a3c-6f62-4b8a-9d1c-1",
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "x",
        "extensions": {stix.EXTENSION_ID: {"extension_type": "property-extension", **fields}},
    }  # fmt: skip
    incident["id"] = "incident--7e0d4a3c-6f62-4b8a-9d1c-000000000001"
    if "tlp" in record:
        incident["object_marking_refs"] = [stix.TLP2_MARKINGS[record["tlp"]]]
    if "description" in record:
        incident["description"] = record["description"]
    location = {
        "type": "location", "spec_version": "2.1", "id": "location--7e0d4a3c-6f62-4b8a-9d1c-2",
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
        "latitude": record["latitude"], "longitude": record["longitude"],
    }  # fmt: skip
    location["id"] = "location--7e0d4a3c-6f62-4b8a-9d1c-000000000002"
    link = {
        "type": "relationship", "spec_version": "2.1", "relationship_type": "located-at",
        "id": "relationship--7e0d4a3c-6f62-4b8a-9d1c-000000000003",
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
        "source_ref": incident["id"], "target_ref": location["id"],
    }  # fmt: skip
    return {"type": "bundle", "id": "bundle--7e0d4a3c-6f62-4b8a-9d1c-000000000004",
            "objects": [incident, location, link]}  # fmt: skip


def csv_text(record: dict) -> str:
    buffer = io.StringIO()
    row = {k: ";".join(v) if k == "contexts" else v for k, v in record.items()}
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue()


@pytest.fixture
def post(world, client_for, monkeypatch):
    """`post(route, payload)`: the payload re-posted by police's submitter through `route`."""
    client = client_for(world.police_submitter)

    def send(route: str, payload: dict):
        if route == "bulk_python":
            monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
        if route == "single":
            return client.post("/api/v1/incidents/", payload, format="json")
        if route.startswith("bulk"):
            return client.post("/api/v1/incidents/bulk/", {"incidents": [payload]}, format="json")
        if route == "csv_import":
            return client.post("/api/v1/import/", csv_text(payload), content_type="text/csv")
        return client.post("/api/v1/import/", stix_body(payload), format="json")

    return send


def repost(stored: Incident, *, drop: tuple[str, ...], **changes) -> dict:
    """The stored incident as a client would post it again, without the `drop` fields."""
    fields = {
        "external_ref": stored.external_ref, "occurred_at": stored.occurred_at,
        "reported_at": stored.reported_at, "category": stored.category_id,
        "severity": stored.severity, "latitude": stored.latitude, "longitude": stored.longitude,
    }  # fmt: skip
    payload = factories.payload(**{**fields, **changes})
    return {k: v for k, v in payload.items() if k not in drop}


@pytest.mark.parametrize("route", ROUTES)
def test_a_red_incident_reposted_without_tlp_stays_red_and_is_not_shared(world, post, route):
    # given: a RED incident, and an agreement that would share it were it AMBER
    red = factories.incident(world.police, world.police_submitter, tlp="RED", severity=4)
    agreement = SharingAgreement.objects.create(
        owner=world.police, recipient=world.levies, categories=[], severity_min=1,
        level="view", created_by=world.police_admin,
    )  # fmt: skip
    agreement_apply(agreement_id=agreement.pk)
    # when
    response = post(route, repost(red, drop=("tlp", "persons"), severity=5))
    # then
    assert response.status_code in (200, 201), response.content[:300]
    red.refresh_from_db()
    assert (red.tlp, red.severity) == ("RED", 5)
    assert not ShareGrant.objects.filter(incident=red).exists()


@pytest.mark.parametrize("route", ROUTES)
def test_a_repost_without_description_contexts_or_persons_keeps_them(world, post, route):
    # given
    stored = factories.incident(
        world.police, world.police_submitter, description="Seen near the gate",
        contexts=["campus"], persons=PERSONS,
    )  # fmt: skip
    # when
    response = post(route, repost(stored, drop=("description", "contexts", "persons"), injured=4))
    # then
    assert response.status_code in (200, 201), response.content[:300]
    stored.refresh_from_db()
    assert (stored.description, stored.contexts, stored.injured) == (
        "Seen near the gate",
        ["campus"],
        4,
    )
    assert [p.full_name for p in stored.persons.all()] == ["Kept Victim"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_repost_without_counts_or_precision_keeps_them(world, post, route):
    # given: known counts (one of them 0) and a town-centre point
    stored = factories.incident(
        world.police, world.police_submitter, killed=2, injured=0, location_precision="town"
    )
    # when
    response = post(
        route, repost(stored, drop=("killed", "injured", "location_precision", "persons"))
    )
    # then: neither count becomes unknown or 0, and the precision stays
    assert response.status_code in (200, 201), response.content[:300]
    stored.refresh_from_db()
    assert (stored.killed, stored.injured, stored.location_precision) == (2, 0, "town")


@pytest.mark.parametrize("route", ROUTES)
def test_a_new_incident_without_counts_has_them_unknown(world, post, route):
    # given
    sent = {k: v for k, v in factories.payload(external_ref="NEW-1").items() if k != "persons"}
    sent = {k: v for k, v in sent.items() if k not in ("killed", "injured")}
    # when
    response = post(route, {**sent, "location_precision": "district"})
    # then
    assert response.status_code in (200, 201), response.content[:300]
    made = Incident.objects.get(external_ref="NEW-1")
    assert (made.killed, made.injured, made.location_precision) == (None, None, "district")


@pytest.mark.parametrize("path", ["staged", "python"])
def test_a_batch_mixing_sent_and_left_out_fields_merges_each_record(
    world, monkeypatch, settings, path
):
    # given: three incidents with text and contexts; no district register, so that a blank
    # district sent is stored as sent (a register fills it from the coordinates)
    settings.FUSION_DISTRICT_REGISTER = "off"
    if path == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    made = [
        factories.incident(
            world.police,
            world.police_submitter,
            description=f"text {n}",
            contexts=["protest"],
            district="Kech",
            status="verified",
        )
        for n in range(3)
    ]
    records = [
        repost(made[0], drop=("description", "contexts", "district", "status", "tlp")),
        repost(made[1], drop=(), description="", contexts=[], district="", status="open"),
        repost(made[2], drop=("description",), contexts=[], tlp="RED"),
    ]
    for record, incident in zip(records, made, strict=True):
        record.update(occurred_at=incident.occurred_at, reported_at=incident.reported_at)
    # when
    result = bulk.incident_upsert_batch(
        actor=world.police_submitter, agency=world.police, records=records
    )
    # then: what was left out is kept; "" and [] sent are stored as sent; the first record
    # stores what was stored, so its incident is left unchanged
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert Incident.objects.get(pk=made[0].pk).version == made[0].version
    first, second, third = (Incident.objects.get(pk=m.pk) for m in made)
    assert (first.description, first.contexts, first.district, first.status, first.tlp) == (
        "text 0", ["protest"], "Kech", "verified", "AMBER",
    )  # fmt: skip
    assert (second.description, second.contexts, second.district) == ("", [], "")
    assert (third.description, third.contexts, third.tlp) == ("text 2", [], "RED")
    assert third.fingerprint == made[2].fingerprint  # the stored text made it


def test_put_without_tlp_keeps_it_and_replaces_the_rest(world, client_for):
    # given
    red = factories.incident(
        world.police, world.police_submitter, tlp="RED", district="Kech", latitude=26.0,
        longitude=63.05,
    )  # fmt: skip
    client = client_for(world.police_submitter)
    body = repost(red, drop=("tlp", "district", "persons"))
    body.update(latitude=30.18, longitude=67.0)  # moved to Quetta: the district is not kept
    # when
    response = client.put(
        f"/api/v1/incidents/{red.pk}/", body, format="json", HTTP_IF_MATCH=f'"{red.version}"'
    )
    # then
    assert response.status_code == 200, response.content[:300]
    red.refresh_from_db()
    assert (red.tlp, red.district) == ("RED", "Quetta")  # filled from the new place


def lowerings(incident: Incident) -> list[AuditEntry]:
    kind = ContentType.objects.get_for_model(Incident)
    return list(
        AuditEntry.objects.filter(
            content_type=kind, object_pk=str(incident.pk), event="incident.tlp_lowered"
        )
    )


def test_put_naming_a_lower_tlp_lowers_it_and_is_audited_as_a_lowering(world, client_for):
    # given
    red = factories.incident(world.police, world.police_submitter, tlp="RED")
    client = client_for(world.police_admin)
    body = repost(red, drop=("persons",), tlp="GREEN")
    # when
    response = client.put(
        f"/api/v1/incidents/{red.pk}/", body, format="json", HTTP_IF_MATCH=f'"{red.version}"'
    )
    # then
    assert response.status_code == 200, response.content[:300]
    red.refresh_from_db()
    assert red.tlp == "GREEN"
    [entry] = lowerings(red)
    assert entry.changes == {"tlp": ["RED", "GREEN"]}
    assert (entry.actor, entry.acting_agency_id) == (world.police_admin, world.police.pk)
    assert entry.object_agency_id == world.police.pk


@pytest.mark.parametrize("route", ROUTES)
def test_a_repost_naming_a_lower_tlp_is_audited_as_a_lowering(world, post, route):
    # given
    strict = factories.incident(world.police, world.police_submitter, tlp="AMBER+STRICT")
    raised = factories.incident(world.police, world.police_submitter, tlp="GREEN")
    # when
    response = post(route, repost(strict, drop=("persons",), tlp="AMBER"))
    post("single", repost(raised, drop=("persons",), tlp="RED"))
    # then: the lowering, and only it, has its entry
    assert response.status_code in (200, 201), response.content[:300]
    [entry] = lowerings(strict)
    assert entry.changes == {"tlp": ["AMBER+STRICT", "AMBER"]}
    assert entry.actor == world.police_submitter
    assert entry.acting_agency_id == world.police.pk
    assert not lowerings(raised)


UNLAWFUL = [
    {
        "role": "suspect",
        "full_name": "Seen On Camera",
        "source": "facial_recognition",
        "authorisation_ref": "AUTH-1",
    }
]


@pytest.fixture
def watched(world):
    """Police's incident with a person from facial recognition and no legal basis: lawful
    while the incident has no protected context."""
    return factories.incident(world.police, world.police_submitter, persons=UNLAWFUL)


def unchanged(incident: Incident) -> bool:
    """Whether the incident is as it was: contexts, version and its one person."""
    stored = Incident.objects.get(pk=incident.pk)
    names = [p.full_name for p in stored.persons.all()]
    return (stored.contexts, stored.version, names) == ([], incident.version, ["Seen On Camera"])


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_protected_context_over_unlawful_stored_persons_is_refused(
    world, client_for, watched, method
):
    # given: the change gives the incident the protest context and leaves its persons
    body = {"contexts": ["protest"]}
    if method == "put":
        body = {**repost(watched, drop=("persons",)), **body}
    send = getattr(client_for(world.police_submitter), method)
    # when
    response = send(
        f"/api/v1/incidents/{watched.pk}/", body, format="json",
        HTTP_IF_MATCH=f'"{watched.version}"',
    )  # fmt: skip
    # then: refused, naming contexts; nothing changed
    assert response.status_code == 400, response.content[:400]
    assert "contexts" in response.json()["errors"]
    assert unchanged(watched)


@pytest.mark.parametrize("route", ROUTES)
def test_a_repost_adding_a_protected_context_over_unlawful_persons_is_refused(
    world, post, watched, route
):
    # when: a re-post that carries the campus context and no persons
    response = post(route, repost(watched, drop=("persons",), contexts=["campus"]))
    # then
    assert response.status_code == 400, response.content[:400]
    assert "contexts" in str(response.json()["errors"])
    assert unchanged(watched)


def test_a_protected_context_with_lawful_persons_sent_along_is_stored(world, client_for, watched):
    # given: the change replaces the persons with one the context allows
    lawful = [{"role": "suspect", "full_name": "Named", "legal_basis": "warrant 12"}]
    # when
    response = client_for(world.police_submitter).patch(
        f"/api/v1/incidents/{watched.pk}/", {"contexts": ["protest"], "persons": lawful},
        format="json", HTTP_IF_MATCH=f'"{watched.version}"',
    )  # fmt: skip
    # then
    assert response.status_code == 200, response.content[:400]
    assert [p.full_name for p in watched.persons.all()] == ["Named"]
