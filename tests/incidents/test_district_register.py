"""The district register: names resolve to canonical ones, places are checked against the
named district, and a blank district is filled from the coordinates, on every ingest path."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from incidents.districts import BALOCHISTAN_DISTRICTS, load, register
from incidents.models import Incident
from incidents.services import incident_update
from tests import factories

URL = "/api/v1/incidents/"
SAN_FRANCISCO = {"latitude": 37.7749, "longitude": -122.4194}
ROOT = Path(__file__).resolve().parents[2]
SF = ROOT.parent / "shared" / "data" / "sf-crime-2012h2.csv"
MAPPING = ROOT / "docs" / "mappings" / "sf-crime.json"


def post(client, **overrides):
    return client.post(URL, factories.payload(**overrides), format="json")


# --- the register itself (no database) ---


def test_register_names_balochistan_and_resolves_aliases():
    # given
    districts = register()
    # then
    assert districts.names() == sorted(BALOCHISTAN_DISTRICTS)
    assert districts.canonical("quetta") == "Quetta"
    assert districts.canonical("  QUETTA ") == "Quetta"
    assert districts.canonical("Qila Abdullah") == "Killa Abdullah"
    assert districts.canonical("killaabdullah") == "Killa Abdullah"
    assert districts.canonical("Bolan") == "Kachhi"
    assert districts.canonical("Las Bela") == "Lasbela"
    assert districts.canonical("Jafarabad") == "Jaffarabad"
    assert districts.canonical("Dera-Bugti") == "Dera Bugti"
    assert districts.canonical("Turbat") == "Kech"
    assert districts.canonical("Quettaa") is None
    assert districts.canonical("") is None


def test_every_headquarters_lies_in_its_own_district():
    districts = register()
    for name, (lat, lon) in BALOCHISTAN_DISTRICTS.items():
        assert districts.contains(name, lat, lon), name
        assert districts.district_at(lat, lon) == name, name


def test_contains_refuses_far_points_and_allows_the_tolerance():
    districts = register()
    assert not districts.contains("Quetta", SAN_FRANCISCO["latitude"], -122.4194)
    assert not districts.contains("Quetta", 25.12, 62.33)  # Gwadar
    assert districts.contains("Quetta", 30.18, 67.0)
    assert districts.contains("Quetta", 30.18, 67.35 + 0.05)  # ~5 km east of the box
    assert not districts.contains("Quetta", 30.18, 67.35 + 0.2)  # ~19 km east
    assert districts.district_at(*SAN_FRANCISCO.values()) is None


def test_register_setting_names_a_file_or_off(settings, tmp_path):
    # given
    path = tmp_path / "valley.json"
    path.write_text(
        json.dumps(
            {
                "register": "valley",
                "source": "test",
                "licence": "CC0",
                "tolerance_km": 0,
                "districts": [{"name": "North", "aliases": ["N"], "bbox": [10, 10, 11, 11]}],
            }
        )
    )
    # when
    settings.FUSION_DISTRICT_REGISTER = str(path)
    # then
    assert register().names() == ["North"]
    assert register().canonical("n") == "North"
    assert register().district_at(10.5, 10.5) == "North"
    settings.FUSION_DISTRICT_REGISTER = "off"
    assert register().canonical(" Anywhere ") == "Anywhere"
    assert register().contains("Anywhere", 0, 0)
    settings.FUSION_DISTRICT_REGISTER = "san-francisco"
    assert register().canonical("mission") == "MISSION"
    with pytest.raises(ImproperlyConfigured, match="balochistan"):
        load("atlantis")


# --- ingest through the API ---


@pytest.mark.django_db
def test_foreign_coordinates_named_quetta_are_refused(world, client_for):
    # when
    response = post(client_for(world.police_submitter), district="Quetta", **SAN_FRANCISCO)
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "Quetta" in errors["latitude"][0]
    assert "longitude" in errors
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_misspelt_district_is_refused_with_a_suggestion(world, client_for):
    # when
    response = post(client_for(world.police_submitter), district="Quettaa")
    # then
    assert response.status_code == 400
    assert "Did you mean Quetta" in response.json()["errors"]["district"][0]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_alias_is_stored_as_the_canonical_name(world, client_for):
    # when
    response = post(client_for(world.police_submitter), district="qila abdullah",
                    latitude=30.72, longitude=66.66)  # fmt: skip
    # then
    assert response.status_code == 201, response.json()
    assert response.json()["district"] == "Killa Abdullah"
    assert Incident.objects.get().district == "Killa Abdullah"


@pytest.mark.django_db
def test_blank_district_is_filled_from_the_coordinates(world, client_for):
    # when
    client = client_for(world.police_submitter)
    filled = post(client, district="", latitude=25.12, longitude=62.33)
    absent = client.post(URL, {**factories.payload(), "district": None}, format="json")
    # then
    assert filled.status_code == 201, filled.json()
    assert filled.json()["district"] == "Gwadar"
    assert absent.status_code == 201, absent.json()  # null is blank: filled as well
    assert absent.json()["district"] == "Quetta"


@pytest.mark.django_db
def test_blank_district_outside_every_district_is_refused(world, client_for):
    # when
    response = post(client_for(world.police_submitter), district="", **SAN_FRANCISCO)
    # then
    assert response.status_code == 400
    assert "no district" in response.json()["errors"]["latitude"][0]


@pytest.mark.django_db
def test_patch_moving_the_point_out_of_the_district_is_refused(world, client_for):
    # given
    client = client_for(world.police_submitter)
    made = post(client).json()
    # when
    moved = client.patch(f"{URL}{made['id']}/", {"latitude": 25.12, "longitude": 62.33},
                         format="json")  # fmt: skip
    renamed = client.patch(f"{URL}{made['id']}/", {"district": "pishin", "latitude": 30.58},
                           format="json")  # fmt: skip
    # then
    assert moved.status_code == 400
    assert "it lies in Gwadar" in moved.json()["errors"]["latitude"][0]
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["district"] == "Pishin"


@pytest.mark.django_db
def test_service_update_settles_the_district(world):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    # when
    updated = incident_update(
        actor=world.police_submitter, incident=incident, changes={"district": "QUETTA"}
    )
    # then
    assert updated.district == "Quetta"


@pytest.mark.django_db
def test_bulk_names_every_bad_district_by_index(world, client_for):
    # given
    records = [
        factories.payload(),
        factories.payload(district="Nowhere"),
        factories.payload(district="Quetta", **SAN_FRANCISCO),
        factories.payload(district="Bolan", latitude=29.47, longitude=67.65),
        factories.payload(district="", latitude=26.0, longitude=63.05),
    ]
    client = client_for(world.police_submitter)
    # when
    bad = client.post(f"{URL}bulk/", {"incidents": records}, format="json")
    good = client.post(f"{URL}bulk/", {"incidents": [records[0], *records[3:]]}, format="json")
    # then
    assert bad.status_code == 400
    errors = bad.json()["errors"]["incidents"]
    assert set(errors) == {"1", "2"}
    assert "district" in errors["1"]
    assert "latitude" in errors["2"]
    assert good.status_code == 200, good.json()
    stored = dict(Incident.objects.values_list("external_ref", "district"))
    assert stored == {
        records[0]["external_ref"]: "Quetta",
        records[3]["external_ref"]: "Kachhi",
        records[4]["external_ref"]: "Kech",
    }


@pytest.mark.django_db
def test_bulk_repost_without_district_keeps_and_checks_the_stored_one(world, client_for):
    # given
    client = client_for(world.police_submitter)
    first = factories.payload()
    assert client.post(f"{URL}bulk/", {"incidents": [first]}, format="json").status_code == 200
    repost = {k: v for k, v in first.items() if k != "district"}
    # when
    kept = client.post(f"{URL}bulk/", {"incidents": [{**repost, "severity": 4}]}, format="json")
    moved = client.post(
        f"{URL}bulk/", {"incidents": [{**repost, "latitude": 25.12, "longitude": 62.33}]},
        format="json",
    )  # fmt: skip
    # then
    assert kept.status_code == 200, kept.json()
    assert Incident.objects.get().district == "Quetta"
    assert moved.status_code == 400
    assert "Quetta" in moved.json()["errors"]["incidents"]["0"]["latitude"][0]


@pytest.mark.django_db
def test_exchange_csv_import_checks_districts(world, client_for):
    # given
    header = "external_ref,occurred_at,category,severity,latitude,longitude,district"
    rows = [
        "X-1,2025-01-01T08:00:00+00:00,armed-assault,3,30.18,67.0,Quettaa",
        "X-2,2025-01-01T08:00:00+00:00,armed-assault,3,37.77,-122.42,Quetta",
    ]
    body = "\n".join([header, *rows]) + "\n"
    # when
    response = client_for(world.police_submitter).post(
        "/api/v1/import/", body, content_type="text/csv"
    )
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]["lines"]  # by CSV line, the header being line 1
    assert "district" in errors["2"]
    assert "latitude" in errors["3"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_sf_data_imports_under_the_san_francisco_register(world, settings, tmp_path):
    # given
    settings.FUSION_DISTRICT_REGISTER = "san-francisco"
    path = tmp_path / "sf.csv"
    path.write_text("\n".join(SF.read_text().splitlines()[:201]) + "\n")
    # when
    call_command("import_incidents", str(path), "--agency", "police", "--mapping",
                 str(MAPPING), "--rejects", str(path) + ".rej", stdout=StringIO())  # fmt: skip
    # then
    assert not Path(str(path) + ".rej").exists() or not Path(str(path) + ".rej").read_text()
    districts = set(Incident.objects.values_list("district", flat=True))
    assert districts <= set(register().names())
    assert len(districts) >= 5


@pytest.mark.django_db
def test_sf_data_is_refused_under_the_balochistan_register(world, tmp_path):
    # given
    path = tmp_path / "sf.csv"
    path.write_text("\n".join(SF.read_text().splitlines()[:21]) + "\n")
    # when
    call_command("import_incidents", str(path), "--agency", "police", "--mapping",
                 str(MAPPING), "--rejects", str(path) + ".rej", stdout=StringIO())  # fmt: skip
    # then
    assert not Incident.objects.exists()
    rejects = [json.loads(x) for x in Path(str(path) + ".rej").read_text().splitlines()]
    assert rejects
    assert all("district" in r["errors"] for r in rejects if "category" not in r["errors"])


@pytest.mark.django_db
def test_register_off_keeps_free_text(world, client_for, settings):
    # given
    settings.FUSION_DISTRICT_REGISTER = "off"
    # when
    response = post(client_for(world.police_submitter), district="Harbour", **SAN_FRANCISCO)
    # then
    assert response.status_code == 201, response.json()
    assert response.json()["district"] == "Harbour"
