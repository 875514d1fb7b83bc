"""Exchange: exports of what the caller may see (CSV, GeoJSON, STIX 2.1, checked with the
OASIS stix2 library) and imports of STIX bundles and CSV through the ingest rules."""

import csv
import io
import json

import pytest
import stix2

from fusion.models import AuditEntry
from fusion.sharing.shares import share_grant
from incidents import stix
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/export/"
IMPORT = "/api/v1/import/"
PURPOSE = "quarterly review of border incidents"
PERSONS = [{"role": "witness", "full_name": "Export Witness", "national_id": "35202-555"}]


def export(client, fmt: str, **params):
    response = client.get(EXPORT, {"format": fmt, "purpose": PURPOSE, **params})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode()


@pytest.fixture
def shared_world(world):
    """Police owns three incidents: one shared with levies (AMBER), one CLEAR, one unshared."""
    made = {
        name: factories.incident(
            world.police, world.police_submitter, external_ref=name, tlp=tlp, persons=PERSONS
        )
        for name, tlp in (("shared", "AMBER"), ("clear", "CLEAR"), ("own", "AMBER+STRICT"))
    }
    share_grant(
        actor=world.police_admin,
        incident=made["shared"],
        agency=world.levies,
        level="view_persons",
        purpose="joint patrol planning",
    )
    return made


@pytest.mark.parametrize("fmt", ["csv", "geojson", "stix"])
def test_an_export_holds_exactly_the_visible_incidents_and_never_persons(
    world, client_for, shared_world, fmt
):
    # when
    response, body = export(client_for(world.levies_analyst), fmt)
    # then
    assert response.status_code == 200, body
    expected = {str(shared_world["shared"].pk), str(shared_world["clear"].pk)}
    assert str(shared_world["own"].pk) not in body
    assert all(pk in body for pk in expected)
    for secret in ("Export Witness", "35202-555", "persons"):
        assert secret not in body
    assert response["TLP"] == "AMBER"
    assert type(response["TLP"]) is str  # wsgiref refuses str subclasses (an enum member)


def test_the_csv_export_has_the_list_fields_and_the_visible_rows(world, client_for, shared_world):
    # when
    response, body = export(client_for(world.police_analyst), "csv", tlp="AMBER+STRICT")
    # then
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["id"] for r in rows] == [str(shared_world["own"].pk)]
    assert rows[0]["external_ref"] == "own"
    assert rows[0]["redacted"] == "false"
    assert response["TLP"] == "AMBER+STRICT"


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter, description="=HYPERLINK(1)")
    # when
    _, body = export(client_for(world.police_analyst), "csv")
    # then
    assert next(csv.DictReader(io.StringIO(body)))["description"] == "'=HYPERLINK(1)"


def test_the_stix_export_is_a_valid_bundle_with_tlp_2_markings(world, client_for, shared_world):
    # when
    response, body = export(client_for(world.levies_analyst), "stix")
    # then the OASIS library accepts it without custom content: the extension is defined
    bundle = stix2.parse(body, allow_custom=False)
    incidents = [o for o in bundle.objects if o.type == "incident"]
    assert {o.id for o in incidents} == {
        f"incident--{shared_world['shared'].pk}",
        f"incident--{shared_world['clear'].pk}",
    }
    marks = {o.id: o.object_marking_refs for o in incidents}
    assert marks[f"incident--{shared_world['clear'].pk}"] == [stix.TLP2_MARKINGS["CLEAR"]]
    relationships = [o for o in bundle.objects if o.type == "relationship"]
    assert {r.source_ref for r in relationships} == set(marks)
    assert response["Content-Type"].startswith("application/stix+json")


def test_geojson_export_carries_the_strictest_label(world, client_for, shared_world):
    # when
    _, body = export(client_for(world.police_analyst), "geojson")
    # then
    collection = json.loads(body)
    assert collection["tlp"] == "AMBER+STRICT"
    assert len(collection["features"]) == 3


def test_filters_narrow_the_export(world, client_for, shared_world):
    # when
    _, body = export(client_for(world.police_analyst), "geojson", tlp="CLEAR")
    # then
    features = json.loads(body)["features"]
    assert [f["id"] for f in features] == [str(shared_world["clear"].pk)]


def test_an_export_is_logged_with_its_purpose_and_count(world, client_for, shared_world):
    # when
    export(client_for(world.levies_analyst), "csv", q="incident number")
    # then
    entry = AuditEntry.objects.get(event="incident.export")
    assert entry.purpose == PURPOSE
    assert entry.actor == world.levies_analyst
    assert entry.additional_data["count"] == 2
    assert entry.additional_data["filters"] == {"q": "[redacted]"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"purpose": ""}, "purpose"), ({"format": "xlsx"}, "format"), ({"bbox": "1,2"}, "bbox")],
)
def test_a_bad_export_request_is_a_json_400_naming_the_field(world, client_for, params, field):
    # when
    response = client_for(world.police_analyst).get(
        EXPORT, {"format": "csv", "purpose": PURPOSE, **params}
    )
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]
    assert not AuditEntry.objects.filter(event="incident.export").exists()


def test_more_incidents_than_one_page_are_all_exported(world, client_for, settings):
    # given
    settings.FUSION_BULK_MAX = 5000
    records = [factories.payload(external_ref=f"P-{i:04d}") for i in range(2500)]
    client = client_for(world.police_submitter)
    assert client.post("/api/v1/incidents/bulk/", {"incidents": records}).status_code == 200
    # when
    _, body = export(client_for(world.police_analyst), "csv")
    # then
    refs = [r["external_ref"] for r in csv.DictReader(io.StringIO(body))]
    assert sorted(refs) == sorted(r["external_ref"] for r in records)


def stix_bundle(objects: list[dict]) -> dict:
    return {
        "type": "bundle",
        "id": "bundle--6b9a1b0c-3d0f-4b7e-9a57-2f4c4b0d3a11",
        "objects": objects,
    }


def bundle_of(incidents: list[dict]) -> dict:
    """A bundle of incidents (STIX from outside Fusion), each with its location."""
    objects = []
    for n, fields in enumerate(incidents):
        number = f"{n:012d}"
        incident_id = f"incident--0b1f5c52-6f62-4b8a-9d1c-{number}"
        location_id = f"location--1c2f5c52-6f62-4b8a-9d1c-{number}"
        when = {"created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z"}
        extension = {"extension_type": "property-extension", **fields}
        objects += [
            {"type": "incident", "spec_version": "2.1", "id": incident_id, **when,
             "name": "imported", "extensions": {stix.EXTENSION_ID: extension},
             "object_marking_refs": [stix2.TLP_WHITE.id]},
            {"type": "location", "spec_version": "2.1", "id": location_id, **when,
             "latitude": 30.2, "longitude": 67.01},
            {"type": "relationship", "spec_version": "2.1", **when,
             "id": f"relationship--2d3f5c52-6f62-4b8a-9d1c-{number}",
             "relationship_type": "located-at", "source_ref": incident_id,
             "target_ref": location_id},
        ]  # fmt: skip
    return stix_bundle(objects)


def test_a_bundle_from_outside_is_stored_under_its_stix_ids(world, client_for):
    # given
    fields = {"category": "robbery", "severity": 2, "occurred_at": "2026-01-01T00:00:00Z"}
    bundle = bundle_of([fields, {**fields, "external_ref": "OWN-1", "contexts": ["campus"]}])
    # when
    response = client_for(world.levies_submitter).post(IMPORT, bundle, format="json")
    # then
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["ignored"]) == (2, 0)
    first, second = (Incident.objects.get(pk=pk) for pk in response.json()["ids"])
    assert first.external_ref == "incident--0b1f5c52-6f62-4b8a-9d1c-000000000000"
    assert (first.agency, first.tlp, first.latitude) == (world.levies, "CLEAR", 30.2)
    assert (second.external_ref, second.contexts) == ("OWN-1", ["campus"])


def test_an_agency_re_importing_its_own_export_gets_the_same_incidents(
    world, client_for, shared_world
):
    # given
    _, body = export(client_for(world.police_analyst), "stix")
    # when
    response = client_for(world.police_submitter).post(
        IMPORT, body, content_type="application/stix+json;version=2.1"
    )
    # then
    assert response.status_code == 200, response.content
    result = response.json()
    # the export is what is stored: nothing changes
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 3)
    assert result["ignored"] == 8  # Fusion's identity and extension, 5 TLP markings, police
    assert set(result["ids"]) == {str(i.pk) for i in shared_world.values()}
    shared = Incident.objects.get(pk=shared_world["shared"].pk)
    assert (shared.tlp, shared.latitude, shared.occurred_at) == (
        "AMBER",
        shared_world["shared"].latitude,
        shared_world["shared"].occurred_at,
    )
    assert shared.persons.count() == 1  # an import without persons leaves them


def test_a_recipient_may_not_import_another_agencys_export_as_its_own(
    world, client_for, shared_world
):
    # given levies sees two police incidents and exports them
    _, body = export(client_for(world.levies_analyst), "stix")
    # when
    response = client_for(world.levies_submitter).post(
        IMPORT, body, content_type="application/stix+json"
    )
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]["objects"]
    assert set(errors) == {f"incident--{shared_world[n].pk}" for n in ("shared", "clear")}
    assert all("agency" in e for e in errors.values())
    assert not Incident.objects.filter(agency=world.levies).exists()


def test_removing_the_owner_from_an_export_does_not_launder_it(world, client_for, shared_world):
    # given: levies strips the owning agency from police's incidents it was shown
    _, body = export(client_for(world.levies_analyst), "stix")
    bundle = json.loads(body)
    for obj in bundle["objects"]:
        obj.get("extensions", {}).get(stix.EXTENSION_ID, {}).pop("agency", None)
    # when
    response = client_for(world.levies_submitter).post(IMPORT, bundle, format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]["objects"]
    assert set(errors) == {f"incident--{shared_world[n].pk}" for n in ("shared", "clear")}
    assert not Incident.objects.filter(agency=world.levies).exists()


def test_reposting_a_bundle_updates_what_it_created(world, client_for, shared_world):
    # given
    fields = {"category": "robbery", "severity": 2, "occurred_at": "2026-01-01T00:00:00Z"}
    client = client_for(world.levies_submitter)
    first = client.post(IMPORT, bundle_of([fields, fields]), format="json")
    # when
    second = client.post(IMPORT, bundle_of([fields, {**fields, "severity": 4}]), format="json")
    # then
    assert (second.json()["created"], second.json()["updated"]) == (0, 1)
    assert second.json()["unchanged"] == 1
    assert Incident.objects.get(pk=second.json()["ids"][1]).severity == 4
    assert second.json()["ids"] == first.json()["ids"]


def test_stix_errors_are_named_by_object_and_nothing_is_stored(world, client_for):
    # given
    objects = [
        {
            "type": "incident", "spec_version": "2.1",
            "id": "incident--0b1f5c52-6f62-4b8a-9d1c-7c0f3e1a2b44",
            "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
            "name": "no location, no severity",
            "extensions": {stix.EXTENSION_ID: {
                "extension_type": "property-extension", "category": "robbery",
                "occurred_at": "2026-01-01T00:00:00Z",
            }},
        },
        {"type": "location", "spec_version": "2.1", "id": "location--nope"},
    ]  # fmt: skip
    # when
    response = client_for(world.police_submitter).post(IMPORT, stix_bundle(objects), format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]["objects"]
    incident = errors["incident--0b1f5c52-6f62-4b8a-9d1c-7c0f3e1a2b44"]
    assert {"location", "severity", "latitude"} <= set(incident)
    assert "stix" in errors["location--nope"]
    assert not Incident.objects.exists()


def test_a_body_that_is_not_a_bundle_is_a_400(world, client_for):
    # when
    response = client_for(world.police_submitter).post(IMPORT, {"incidents": []}, format="json")
    # then
    assert response.status_code == 400
    assert "bundle" in response.json()["errors"]


def csv_body(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def csv_row(ref: str, **overrides) -> dict:
    row = {k: v for k, v in factories.payload(external_ref=ref).items() if k != "persons"}
    row["contexts"] = ";".join(row.get("contexts", []))
    return {**row, **overrides}


def test_a_csv_import_is_stored_atomically_with_contexts(world, client_for):
    # given
    body = csv_body([csv_row("C-1", contexts="protest;campus"), csv_row("C-2")])
    # when
    response = client_for(world.police_submitter).post(IMPORT, body, content_type="text/csv")
    # then
    assert response.status_code == 200, response.content
    stored = Incident.objects.get(external_ref="C-1")
    assert stored.contexts == ["campus", "protest"]
    assert stored.agency == world.police
    assert [str(stored.pk)] == response.json()["ids"][:1]


def test_csv_errors_are_named_by_line_and_nothing_is_stored(world, client_for):
    # given: data lines 2 to 4; line 3 has a bad severity, line 4 an unknown column value
    rows = [csv_row("L-1"), csv_row("L-2", severity="9"), csv_row("L-3", tlp="PURPLE")]
    body = csv_body(rows) + "too,few\n"
    # when
    response = client_for(world.police_submitter).post(IMPORT, body, content_type="text/csv")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]["lines"]
    assert set(errors) == {"3", "4", "5"}
    assert "severity" in errors["3"]
    assert "tlp" in errors["4"]
    assert "row" in errors["5"]
    assert not Incident.objects.exists()


def test_csv_columns_an_importer_may_not_set_are_refused(world, client_for):
    # given
    body = csv_body([csv_row("G-1", agency="levies")])
    # when
    response = client_for(world.police_submitter).post(IMPORT, body, content_type="text/csv")
    # then
    assert response.status_code == 400
    assert "agency" in response.json()["errors"]["lines"]["2"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("charset", ["zlib_codec", "hex", "rot13", "no-such-charset"])
def test_only_text_charsets_are_read(world, client_for, charset):
    # when
    response = client_for(world.police_submitter).post(
        IMPORT, csv_body([csv_row("Z-1")]), content_type=f"text/csv; charset={charset}"
    )
    # then
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_a_latin_1_body_is_read_as_declared(world, client_for, settings):
    # given: free-text districts (no register), so the accented name is stored as read
    settings.FUSION_DISTRICT_REGISTER = "off"
    body = csv_body([csv_row("Ł-1", district="Zhob café")]).encode("utf-8")
    body = body.decode("utf-8").replace("Ł", "L").encode("latin-1")
    # when
    response = client_for(world.police_submitter).post(
        IMPORT, body, content_type="text/csv; charset=latin-1"
    )
    # then
    assert response.status_code == 200, response.content
    assert Incident.objects.get().district == "Zhob café"


def test_a_cell_too_large_for_the_csv_reader_names_its_line(world, client_for):
    # given
    body = csv_body([csv_row("H-1"), csv_row("H-2", description="x" * 200_000)])
    # when
    response = client_for(world.police_submitter).post(IMPORT, body, content_type="text/csv")
    # then
    assert response.status_code == 400
    assert set(response.json()["errors"]["lines"]) == {"3"}
    assert not Incident.objects.exists()


def test_an_import_over_the_batch_maximum_is_413(world, client_for, settings):
    # given
    settings.FUSION_BULK_MAX = 2
    body = csv_body([csv_row(f"M-{i}") for i in range(3)])
    # when
    response = client_for(world.police_submitter).post(IMPORT, body, content_type="text/csv")
    # then
    assert response.status_code == 413
    assert not Incident.objects.exists()


def test_an_import_retried_with_the_same_idempotency_key_is_replayed(world, client_for):
    # given
    client = client_for(world.police_submitter)
    body = csv_body([csv_row("I-1")])
    first = client.post(IMPORT, body, content_type="text/csv", HTTP_IDEMPOTENCY_KEY="imp-1")
    # when
    again = client.post(IMPORT, body, content_type="text/csv", HTTP_IDEMPOTENCY_KEY="imp-1")
    # then
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Incident.objects.get().version == 1


def test_analysts_may_not_import(world, client_for):
    # when
    response = client_for(world.police_analyst).post(
        IMPORT, csv_body([csv_row("A-1")]), content_type="text/csv"
    )
    # then
    assert response.status_code == 403
    assert not Incident.objects.exists()
