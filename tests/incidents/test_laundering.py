"""No agency publishes as its own an incident copied from another agency's: whatever its
STIX id or reference, a record that is the same event as an incident of another agency that
the writer sees (within two minutes and 50 m, same category group) with the same or nearly
the same description is refused on every route, whatever invisible characters, look-alike
letters, punctuation or small shifts of time and place it adds; an honest report of the same
event with its own text is stored; a reference alone refuses nothing; a match with an
incident the writer does not see changes nothing in the answer."""

import csv
import io
import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from django.core.management import call_command

from fusion.sharing.shares import share_grant
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
    # given: a copy under a new reference, and the same event under the shared reference
    if path == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    copy = factories.payload(
        external_ref="LV-2", occurred_at=strict.occurred_at, category=strict.category_id,
        latitude=strict.latitude, longitude=strict.longitude, description=strict.description,
        tlp="CLEAR",
    )  # fmt: skip
    same_ref = factories.payload(
        external_ref="PK-77", occurred_at=strict.occurred_at + timedelta(seconds=30),
        category=strict.category_id, latitude=strict.latitude, longitude=strict.longitude,
        description="Levies' own account of the night", tlp="CLEAR",
    )  # fmt: skip
    client = client_for(world.levies_submitter)
    # when
    batch = client.post(
        "/api/v1/incidents/bulk/",
        {"incidents": [factories.payload(latitude=29.0, district="Kalat"), copy, same_ref]},
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


SHARED_TEXT = "Informant reports a cache near the old well"


@pytest.fixture
def amber(world):
    """Police's AMBER incident, shared with levies; its latitude rounds down at 1e-4."""
    made = factories.incident(
        world.police, world.police_submitter, external_ref="PK-A1", tlp="AMBER",
        category="armed-assault", latitude=30.18004, longitude=67.0, description=SHARED_TEXT,
    )  # fmt: skip
    share_grant(
        actor=world.police_admin, incident=made, agency=world.levies, level="view",
        purpose="joint operation",
    )  # fmt: skip
    return made


# Cheap edits that leave a copy a copy: invisible characters, a look-alike letter,
# punctuation, a second later, a few metres across a rounding boundary, a sibling category.
EVASIONS = {
    "zero_width_space": {"description": SHARED_TEXT.replace("near", "ne\u200bar")},
    "soft_hyphen": {"description": SHARED_TEXT.replace("cache", "ca\u00adche")},
    "cyrillic_e": {"description": SHARED_TEXT.replace("reports", "r\u0435ports")},
    "trailing_full_stop": {"description": SHARED_TEXT + "."},
    "one_second_later": {"seconds": 1},
    "latitude_across_rounding": {"latitude": 30.18009},
    "category_of_the_same_group": {"category": "bombing-ied"},
    "a_word_added": {"description": SHARED_TEXT + " tonight"},
}


def evasion(shared: Incident, name: str, ref: str) -> dict:
    """A copy of `shared` under `ref`, as TLP:CLEAR, with the edit `name`."""
    edit = dict(EVASIONS[name])
    seconds = edit.pop("seconds", 0)
    fields = {
        "external_ref": ref, "occurred_at": shared.occurred_at + timedelta(seconds=seconds),
        "category": shared.category_id, "latitude": shared.latitude,
        "longitude": shared.longitude, "description": shared.description, "tlp": "CLEAR",
    }  # fmt: skip
    return factories.payload(**{**fields, **edit})


@pytest.mark.parametrize("name", list(EVASIONS))
def test_a_copy_with_a_cheap_edit_is_refused_on_a_single_post(world, client_for, amber, name):
    # when
    response = client_for(world.levies_submitter).post(
        "/api/v1/incidents/", evasion(amber, name, "LV-E1"), format="json"
    )
    # then
    assert response.status_code == 409, response.content[:400]
    assert set(response.json()["errors"]) == {"content"}
    assert "'police'" in response.json()["errors"]["content"][0]
    assert not Incident.objects.filter(agency=world.levies).exists()


@pytest.mark.parametrize("path", ["staged", "python"])
def test_copies_with_cheap_edits_are_refused_in_a_batch_by_index(
    world, client_for, amber, monkeypatch, path
):
    # given: one record per evasion, after an unrelated record
    if path == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    copies = [evasion(amber, name, f"LV-B{n}") for n, name in enumerate(EVASIONS)]
    # when
    response = client_for(world.levies_submitter).post(
        "/api/v1/incidents/bulk/",
        {"incidents": [factories.payload(latitude=29.0, district="Kalat"), *copies]},
        format="json",
    )
    # then: every copy is named, the unrelated record is not; nothing is stored
    assert response.status_code == 409, response.content[:400]
    errors = response.json()["errors"]["incidents"]
    assert set(errors) == {str(n + 1) for n in range(len(EVASIONS))}
    assert all(set(found) == {"content"} for found in errors.values())
    assert not Incident.objects.filter(agency=world.levies).exists()


def test_a_copy_with_invisible_characters_is_refused_through_csv(world, client_for, amber):
    # given: the shared incident under a new reference, a zero-width space and a soft hyphen
    # in its text, a second later, in another zone's local time
    local = (amber.occurred_at + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=5)))
    row = {
        "external_ref": "LV-CSV", "occurred_at": local.isoformat(),
        "category": amber.category_id, "severity": "2", "latitude": amber.latitude,
        "longitude": amber.longitude, "tlp": "CLEAR",
        "description": "Informant re\u00adports a cache\u200b near the old well",
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
    lines = response.json()["errors"]["lines"]
    assert set(lines) == {"2"}
    assert set(lines["2"]) == {"content"}
    assert not Incident.objects.filter(agency=world.levies).exists()


@pytest.mark.parametrize("route", ["single", "staged", "python"])
def test_an_honest_report_of_the_same_event_with_its_own_text_is_stored(
    world, client_for, amber, monkeypatch, route
):
    # given: levies' own report of the event police shared: the same place, a minute later,
    # a sibling category, its own words
    if route == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    own = factories.payload(
        external_ref="LV-OWN", occurred_at=amber.occurred_at + timedelta(minutes=1),
        category="bombing-ied", latitude=amber.latitude, longitude=amber.longitude,
        description="Patrol heard digging by the well and saw two men leave on a motorbike",
        tlp="CLEAR",
    )  # fmt: skip
    client = client_for(world.levies_submitter)
    # when
    if route == "single":
        response = client.post("/api/v1/incidents/", own, format="json")
    else:
        response = client.post("/api/v1/incidents/bulk/", {"incidents": [own]}, format="json")
    # then
    assert response.status_code in (200, 201), response.content[:400]
    assert Incident.objects.filter(agency=world.levies, external_ref="LV-OWN").exists()


def test_a_record_without_text_of_its_own_at_a_shared_event_is_refused(world, client_for, amber):
    # given: the shared event's time, place and category, with an empty description
    bare = evasion(amber, "one_second_later", "LV-BARE") | {"description": " \u200b "}
    # when
    response = client_for(world.levies_submitter).post("/api/v1/incidents/", bare, format="json")
    # then
    assert response.status_code == 409, response.content[:400]
    assert set(response.json()["errors"]) == {"content"}


@pytest.mark.parametrize("path", ["staged", "python"])
def test_a_reference_taken_by_another_agency_does_not_block_a_batch(
    world, client_for, monkeypatch, path
):
    # given: police created levies' next reference, GREEN, and shared it with levies
    if path == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    squat = factories.incident(
        world.police, world.police_submitter, external_ref="LEV-2025-0052", tlp="GREEN"
    )
    share_grant(
        actor=world.police_admin, incident=squat, agency=world.levies, level="view",
        purpose="joint operation",
    )  # fmt: skip
    records = [
        factories.payload(external_ref=ref, latitude=28.5, longitude=66.0, district="Surab")
        for ref in ("LEV-2025-0051", "LEV-2025-0052")
    ]
    # when
    response = client_for(world.levies_submitter).post(
        "/api/v1/incidents/bulk/", {"incidents": records}, format="json"
    )
    # then: levies' own incidents are stored; police's keeps its reference
    assert response.status_code == 200, response.content[:400]
    assert response.json()["created"] == 2
    assert Incident.objects.filter(external_ref="LEV-2025-0052").count() == 2


def test_a_near_copy_of_an_incident_the_writer_cannot_see_is_stored(world, client_for):
    # given: police's unshared incident, and levies' record with its event and text
    hidden = factories.incident(
        world.police, world.police_submitter, description=SHARED_TEXT, tlp="AMBER"
    )
    near = factories.payload(
        external_ref="LV-NH", occurred_at=hidden.occurred_at + timedelta(seconds=1),
        category=hidden.category_id, latitude=hidden.latitude, longitude=hidden.longitude,
        description=SHARED_TEXT + ".",
    )  # fmt: skip
    # when
    response = client_for(world.levies_submitter).post("/api/v1/incidents/", near, format="json")
    # then
    assert response.status_code == 201, response.content[:400]
