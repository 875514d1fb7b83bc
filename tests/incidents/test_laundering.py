"""No agency publishes as its own an incident copied from another agency's: whatever its
STIX id or reference, a record with the content (fingerprint) of an incident of another
agency that the writer sees is refused on every route; a match with an incident the writer
does not see changes nothing in the answer."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from fusion.sharing import share_grant
from incidents import bulk, stix
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/export/"
IMPORT = "/api/v1/import/"


@pytest.fixture
def strict(world):
    """Police's AMBER+STRICT incident, shared with levies."""
    made = factories.incident(
        world.police, world.police_submitter, external_ref="PK-77", tlp="AMBER+STRICT",
        description="Informant reports  a cache near the  old well",
    )  # fmt: skip
    share_grant(
        actor=world.police_admin, incident=made, agency=world.levies, level="view",
        purpose="joint operation",
    )  # fmt: skip
    return made


def exported_bundle(client) -> dict:
    response = client.get(EXPORT, {"format": "stix", "purpose": "exercise"})
    return json.loads(b"".join(response.streaming_content))


def relabelled(bundle: dict, marking: str) -> dict:
    """The bundle with new STIX ids, a new external_ref and no owner: what a launderer sends."""
    text = json.dumps(bundle)
    for obj in bundle["objects"]:
        if obj["type"] in ("incident", "location", "relationship"):
            text = text.replace(obj["id"], obj["id"][:-12] + "00000000beef")
    laundered = json.loads(text)
    for obj in laundered["objects"]:
        extension = obj.get("extensions", {}).get(stix.EXTENSION_ID)
        if obj["type"] == "incident" and extension:
            extension.pop("agency", None)
            extension["external_ref"] = "LV-OWN-1"
            obj["object_marking_refs"] = [marking]
    return laundered


def test_a_recipient_cannot_launder_a_shared_incident_through_stix(world, client_for, strict):
    # given: levies exports what police shared and relabels it as its own, TLP:CLEAR
    bundle = relabelled(
        exported_bundle(client_for(world.levies_analyst)), stix.TLP2_MARKINGS["CLEAR"]
    )
    # when
    response = client_for(world.levies_submitter).post(IMPORT, bundle, format="json")
    # then: refused, naming the object and the field; nothing stored; the centre sees nothing
    assert response.status_code == 409, response.content[:400]
    [(key, errors)] = response.json()["errors"]["objects"].items()
    assert key.endswith("00000000beef")
    assert "'police'" in errors["content"][0]
    assert not Incident.objects.filter(agency=world.levies).exists()
    listed = client_for(world.coordinator).get("/api/v1/incidents/").json()["results"]
    assert listed == []


def test_a_recipient_cannot_launder_a_shared_incident_through_csv(world, client_for, strict):
    # given: the shared incident's fields under a new reference, whitespace and case changed
    row = {
        "external_ref": "LV-9", "occurred_at": strict.occurred_at.isoformat(),
        "category": strict.category_id, "severity": "2", "latitude": strict.latitude + 1e-6,
        "longitude": strict.longitude, "description": "informant reports a cache NEAR the old well",
        "tlp": "CLEAR",
    }  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    # when
    response = client_for(world.levies_submitter).post(
        IMPORT, buffer.getvalue(), content_type="text/csv"
    )
    # then
    assert response.status_code == 409, response.content[:400]
    assert set(response.json()["errors"]["lines"]) == {"2"}
    assert not Incident.objects.filter(agency=world.levies).exists()


@pytest.mark.parametrize("path", ["staged", "python"])
def test_bulk_and_single_posts_refuse_a_copy_naming_index_and_field(
    world, client_for, strict, monkeypatch, path
):
    # given
    if path == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    copy = factories.payload(
        external_ref="LV-2", occurred_at=strict.occurred_at, category=strict.category_id,
        latitude=strict.latitude, longitude=strict.longitude, description=strict.description,
        tlp="CLEAR",
    )  # fmt: skip
    same_ref = factories.payload(external_ref="PK-77", tlp="CLEAR")
    client = client_for(world.levies_submitter)
    # when
    batch = client.post(
        "/api/v1/incidents/bulk/",
        {"incidents": [factories.payload(), copy, same_ref]},
        format="json",
    )
    single = client.post("/api/v1/incidents/", copy, format="json")
    # then
    assert batch.status_code == 409, batch.content[:400]
    errors = batch.json()["errors"]["incidents"]
    assert set(errors) == {"1", "2"}
    assert set(errors["1"]) == {"content"}
    assert set(errors["2"]) == {"external_ref"}
    assert single.status_code == 409
    assert set(single.json()["errors"]) == {"content"}
    assert not Incident.objects.filter(agency=world.levies).exists()


def test_an_update_that_turns_an_own_incident_into_a_copy_is_refused(world, client_for, strict):
    # given: levies' own incident, then a PATCH giving it the shared incident's content
    own = factories.incident(world.levies, world.levies_submitter, tlp="CLEAR")
    changes = {
        "occurred_at": strict.occurred_at.isoformat(), "category": strict.category_id,
        "latitude": strict.latitude, "longitude": strict.longitude,
        "description": strict.description,
    }  # fmt: skip
    # when
    response = client_for(world.levies_submitter).patch(
        f"/api/v1/incidents/{own.pk}/", changes, format="json", HTTP_IF_MATCH=f'"{own.version}"'
    )
    # then
    assert response.status_code == 409
    own.refresh_from_db()
    assert own.description != strict.description


def test_a_copy_of_an_incident_the_importer_cannot_see_is_answered_as_no_match(world, client_for):
    # given: police's unshared incident (levies cannot see it), and a control record
    hidden = factories.incident(world.police, world.police_submitter, external_ref="PK-H")
    copy = factories.payload(
        external_ref="PK-H", occurred_at=hidden.occurred_at, category=hidden.category_id,
        latitude=hidden.latitude, longitude=hidden.longitude, description=hidden.description,
    )  # fmt: skip
    control = factories.payload(external_ref="LV-C")
    client = client_for(world.levies_submitter)
    # when
    copied = client.post("/api/v1/incidents/bulk/", {"incidents": [copy]}, format="json")
    plain = client.post("/api/v1/incidents/bulk/", {"incidents": [control]}, format="json")
    # then: the same answer, but for the new ids
    assert copied.status_code == plain.status_code == 200
    assert {k: v for k, v in copied.json().items() if k != "ids"} == {
        k: v for k, v in plain.json().items() if k != "ids"
    }
    assert Incident.objects.filter(agency=world.levies).count() == 2


def test_the_import_command_rejects_copies_by_line_and_imports_the_rest(
    world, strict, tmp_path: Path
):
    # given: a JSON Lines file for levies whose second row copies police's shared incident
    rows = [
        factories.payload(external_ref="LV-F1"),
        factories.payload(
            external_ref="LV-F2", occurred_at=strict.occurred_at, category=strict.category_id,
            latitude=strict.latitude, longitude=strict.longitude,
            description=strict.description, tlp="CLEAR",
        ),
    ]  # fmt: skip
    source = tmp_path / "levies.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rejects = tmp_path / "rejects.jsonl"
    # when
    call_command(
        "import_incidents", str(source), agency="levies", rejects=str(rejects), stdout=io.StringIO()
    )
    # then
    assert list(
        Incident.objects.filter(agency=world.levies).values_list("external_ref", flat=True)
    ) == ["LV-F1"]
    [reject] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert reject["line"] == 2
    assert "content" in reject["errors"]


def test_every_write_path_stores_the_fingerprint(world, monkeypatch):
    from incidents.rules import record_fingerprint

    # given
    single = factories.incident(world.police, world.police_submitter)
    staged = bulk.incident_upsert_batch(
        actor=world.police_submitter, agency=world.police, records=[factories.record()]
    )
    monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    python = bulk.incident_upsert_batch(
        actor=world.police_submitter, agency=world.police, records=[factories.record()]
    )
    # then
    for pk in (single.pk, staged.ids[0], python.ids[0]):
        incident = Incident.objects.get(pk=pk)
        record = {
            "occurred_at": incident.occurred_at, "latitude": incident.latitude,
            "longitude": incident.longitude, "category": incident.category_id,
            "description": incident.description,
        }  # fmt: skip
        assert incident.fingerprint == record_fingerprint(record)


def test_a_clear_incident_may_be_reported_again_by_another_agency(world, client_for):
    # given: police publishes TLP:CLEAR, with a plain reference
    public = factories.incident(
        world.police, world.police_submitter, external_ref="1", tlp="CLEAR", description=""
    )
    same = factories.payload(
        external_ref="1", occurred_at=public.occurred_at.isoformat(), tlp="CLEAR",
        category=public.category_id, latitude=public.latitude, longitude=public.longitude,
        description="",
    )  # fmt: skip
    # when: levies reports the same public event under its own reference "1"
    response = client_for(world.levies_submitter).post("/api/v1/incidents/", same, format="json")
    # then
    assert response.status_code == 201, response.content
