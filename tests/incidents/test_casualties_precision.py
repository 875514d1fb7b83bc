"""Casualty counts may be unknown (null, never read as 0) and incidents carry how precisely
their point places them: through create, PATCH, PUT, bulk on both paths, no-op detection,
validation, the district check, exports and the file import."""

import csv
import io
import json
from io import StringIO

import pytest
import stix2
from django.core.management import call_command

from incidents import bulk
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
BULK = "/api/v1/incidents/bulk/"
PURPOSE = "casualty figures for the quarterly review"


def without(payload: dict, *names: str) -> dict:
    return {k: v for k, v in payload.items() if k not in names}


@pytest.fixture
def api(world, client_for):
    return client_for(world.police_submitter)


@pytest.fixture(params=["staged", "python"])
def bulk_path(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    return request.param


@pytest.mark.parametrize(
    ("sent", "stored"),
    [({}, (None, None)), ({"killed": 0, "injured": 0}, (0, 0)), ({"killed": None}, (None, None))],
)
def test_a_count_left_out_or_null_is_unknown_and_zero_is_zero(api, sent, stored):
    # when
    response = api.post(URL, {**without(factories.payload(), "killed", "injured"), **sent})
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["killed"], body["injured"]) == stored
    assert body["location_precision"] == "exact"
    incident = Incident.objects.get(pk=body["id"])
    assert (incident.killed, incident.injured) == stored


def test_a_patch_without_counts_keeps_them_and_an_explicit_null_makes_them_unknown(world, api):
    # given
    incident = factories.incident(world.police, world.police_submitter, killed=5, injured=9)
    # when: a PATCH that does not name the counts
    kept = api.patch(f"{URL}{incident.pk}/", {"severity": 4}, format="json")
    # then
    assert kept.status_code == 200, kept.content
    assert (kept.json()["killed"], kept.json()["injured"]) == (5, 9)
    # when: a PATCH that names one as null
    nulled = api.patch(f"{URL}{incident.pk}/", {"killed": None}, format="json")
    # then
    assert nulled.status_code == 200, nulled.content
    incident.refresh_from_db()
    assert (incident.killed, incident.injured) == (None, 9)


def test_a_put_replaces_so_a_count_it_leaves_out_becomes_unknown(world, api):
    # given
    incident = factories.incident(world.police, world.police_submitter, killed=5)
    body = without(factories.payload(external_ref=incident.external_ref), "killed")
    # when
    response = api.put(f"{URL}{incident.pk}/", body, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["killed"] is None


def test_a_bulk_repost_keeps_counts_and_precision_it_leaves_out(world, api, bulk_path):
    # given: stored counts and a town-centre point
    stored = factories.incident(
        world.police, world.police_submitter, killed=3, injured=0, location_precision="town"
    )
    sent = without(
        factories.payload(external_ref=stored.external_ref, severity=5),
        "killed",
        "injured",
        "location_precision",
    )
    # when
    response = api.post(BULK, {"incidents": [sent]}, format="json")
    # then
    assert response.status_code == 200, response.content
    stored.refresh_from_db()
    assert (stored.severity, stored.killed, stored.injured) == (5, 3, 0)
    assert stored.location_precision == "town"


def test_bulk_stores_null_counts_and_precisions_as_sent(world, api, bulk_path):
    # given: one new record, and one re-post naming its count null
    factories.incident(world.police, world.police_submitter, external_ref="B-OLD", killed=2)
    records = [
        factories.payload(external_ref="B-NEW", killed=None, location_precision="district"),
        factories.payload(external_ref="B-OLD", killed=None, location_precision="province"),
    ]
    # when
    response = api.post(BULK, {"incidents": records}, format="json")
    # then
    assert response.status_code == 200, response.content
    stored = dict(
        Incident.objects.values_list("external_ref", "killed").filter(external_ref__in=["B-NEW"])
    )
    old = Incident.objects.get(external_ref="B-OLD")
    assert stored == {"B-NEW": None}
    assert (old.killed, old.location_precision) == (None, "province")
    assert Incident.objects.get(external_ref="B-NEW").location_precision == "district"


def test_unknown_against_zero_is_a_change_and_unknown_against_unknown_is_not(api, bulk_path):
    # given
    record = factories.payload(external_ref="N-1", killed=None)
    assert api.post(BULK, {"incidents": [record]}, format="json").status_code == 200
    # when: the same unknown count, then 0 for it
    same = api.post(BULK, {"incidents": [record]}, format="json").json()
    zero = api.post(BULK, {"incidents": [{**record, "killed": 0}]}, format="json").json()
    # then
    assert (same["unchanged"], same["updated"]) == (1, 0)
    assert (zero["unchanged"], zero["updated"]) == (0, 1)
    stored = Incident.objects.get(external_ref="N-1")
    assert (stored.killed, stored.version) == (0, 2)


def test_a_single_repost_of_an_unknown_count_writes_nothing(api):
    # given
    record = factories.payload(killed=None, injured=None)
    assert api.post(URL, record, format="json").status_code == 201
    # when
    response = api.post(URL, record, format="json")
    # then
    assert response.status_code == 200, response.content
    assert Incident.objects.get().version == 1


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"killed": "many"}, "killed"),
        ({"killed": -1}, "killed"),
        ({"injured": 100001}, "injured"),
        ({"injured": 2.5}, "injured"),
        ({"location_precision": "street"}, "location_precision"),
        ({"location_precision": None}, "location_precision"),
    ],
)
def test_bad_counts_and_precisions_are_refused_naming_the_field(api, value, field):
    # when
    single = api.post(URL, factories.payload(**value), format="json")
    batch = api.post(BULK, {"incidents": [factories.payload(), factories.payload(**value)]})
    # then
    assert single.status_code == 400
    assert field in single.json()["errors"], single.content
    assert batch.status_code == 400
    assert field in batch.json()["errors"]["incidents"]["1"], batch.content
    assert not Incident.objects.exists()


@pytest.mark.parametrize("precision", ["exact", "town", "district", "province"])
def test_every_precision_is_held_to_the_named_district(api, precision):
    # given: a point in Pishin, written as a Quetta incident
    record = factories.payload(
        latitude=30.6, longitude=67.0, district="Quetta", location_precision=precision
    )
    # when
    response = api.post(URL, record, format="json")
    # then: whatever the precision, the point is where the record places the event, so a
    # district named for it must hold it (or a writer could route an incident into a
    # district-limited agreement by its name alone)
    assert response.status_code == 400, response.content
    assert "latitude" in response.json()["errors"]
    assert not Incident.objects.exists()


def test_a_province_level_point_keeps_a_blank_district_but_must_lie_in_the_register(api):
    # given: province-level reports without a district, one inside the province, one at 0,0
    inside = factories.payload(
        external_ref="P-IN", latitude=30.19, longitude=67.01, district="",
        location_precision="province",
    )  # fmt: skip
    nowhere = {**inside, "external_ref": "P-OUT", "latitude": 0.0, "longitude": 0.0}
    # when
    kept = api.post(URL, inside, format="json")
    refused = api.post(URL, nowhere, format="json")
    # then: the district stays unknown (not the one the province's point falls in), and a
    # point outside every district is refused as for any precision
    assert kept.status_code == 201, kept.content
    assert kept.json()["district"] == ""
    assert refused.status_code == 400
    assert "latitude" in refused.json()["errors"]


def test_a_put_keeps_the_stored_location_precision(api):
    # given: a town-centre geocode
    created = api.post(URL, factories.payload(location_precision="town"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    record = without(factories.payload(external_ref=body["external_ref"]), "location_precision")
    # when: a client that knows nothing of precision replaces the record
    response = api.put(f"{URL}{body['id']}/", record, format="json", HTTP_IF_MATCH='"1"')
    # then: the geocode is still known to be a town centre's
    assert response.status_code == 200, response.content
    assert response.json()["location_precision"] == "town"


def test_exports_carry_unknown_counts_as_unknown_and_the_precision(world, client_for):
    # given
    made = factories.incident(
        world.police, world.police_submitter, killed=None, injured=2, location_precision="town"
    )
    client = client_for(world.police_analyst)

    def export(fmt: str) -> str:
        response = client.get("/api/v1/export/", {"format": fmt, "purpose": PURPOSE})
        assert response.status_code == 200
        return b"".join(response.streaming_content).decode()

    # when
    row = next(csv.DictReader(io.StringIO(export("csv"))))
    properties = json.loads(export("geojson"))["features"][0]["properties"]
    bundle = stix2.parse(export("stix"), allow_custom=False)
    # then
    assert (row["killed"], row["injured"], row["location_precision"]) == ("", "2", "town")
    assert (properties["killed"], properties["location_precision"]) == (None, "town")
    incident = next(o for o in bundle.objects if o.type == "incident")
    assert incident.id == f"incident--{made.pk}"
    fields = dict(next(iter(incident.extensions.values())))
    assert "killed" not in fields
    assert (fields["injured"], fields["location_precision"]) == (2, "town")


def test_the_file_import_reads_an_empty_count_cell_as_unknown_never_zero(world, tmp_path):
    # given: a new row without counts, and a re-import of a stored count's row left blank
    factories.incident(world.police, world.police_submitter, external_ref="F-OLD", killed=4)
    rows = [
        without(factories.payload(external_ref=ref), "persons", "contexts")
        for ref in ("F-NEW", "F-OLD")
    ]
    for row in rows:
        row.update(killed="", injured="", location_precision="")
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    # when
    call_command(
        "import_incidents", str(source), "--agency", "police",
        "--rejects", str(tmp_path / "rej.jsonl"), stdout=StringIO(),
    )  # fmt: skip
    # then
    assert (tmp_path / "rej.jsonl").read_text() == ""
    stored = {i.external_ref: i for i in Incident.objects.all()}
    assert (stored["F-NEW"].killed, stored["F-NEW"].location_precision) == (None, "exact")
    assert stored["F-OLD"].killed == 4


def test_a_bulk_repost_of_a_province_point_without_its_precision_is_still_accepted(
    world, api, bulk_path
):
    # given: a province-level incident without a district, its point in Quetta
    stored = factories.incident(
        world.police, world.police_submitter, latitude=30.19, longitude=67.01,
        district="", location_precision="province",
    )  # fmt: skip
    sent = factories.payload(
        external_ref=stored.external_ref, latitude=30.19, longitude=67.01, district=""
    )
    # when: re-posted without the precision, which it keeps
    response = api.post(BULK, {"incidents": [without(sent, "location_precision")]})
    # then: still province-level, its district still unknown
    assert response.status_code == 200, response.content
    stored.refresh_from_db()
    assert (stored.district, stored.location_precision) == ("", "province")
