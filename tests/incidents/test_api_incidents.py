"""Incidents API: create/upsert, read, list, filters, GeoJSON, ETag/If-Match, delete."""

import uuid

import pytest

from incidents.models import Incident, Person
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def detail(incident_id: object) -> str:
    return f"{URL}{incident_id}/"


def test_submitter_creates_incident_for_own_agency(world, client_for):
    # given
    client = client_for(world.police_submitter)
    # when
    response = client.post(URL, factories.payload(external_ref="P-1"), format="json")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["agency"] == "police"
    assert body["version"] == 1
    assert body["redacted"] is False
    assert "persons" not in body
    assert response["ETag"] == '"1"'
    assert Incident.objects.get(pk=body["id"]).created_by == world.police_submitter


def test_repost_of_external_ref_updates_and_never_duplicates(world, client_for):
    # given
    client = client_for(world.police_submitter)
    first = client.post(URL, factories.payload(external_ref="P-2", severity=2), format="json")
    # when
    second = client.post(URL, factories.payload(external_ref="P-2", severity=5), format="json")
    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["severity"] == 5
    assert second.json()["version"] == 2
    assert Incident.objects.filter(external_ref="P-2").count() == 1


def test_same_external_ref_in_two_agencies_are_two_incidents(world, client_for):
    # when
    a = client_for(world.police_submitter).post(URL, factories.payload(external_ref="X"))
    b = client_for(world.levies_submitter).post(URL, factories.payload(external_ref="X"))
    # then
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_analyst_may_not_create(world, client_for):
    response = client_for(world.police_analyst).post(URL, factories.payload(), format="json")
    assert response.status_code == 403
    assert Incident.objects.count() == 0


def test_member_of_several_agencies_must_name_one(world, client_for):
    # given
    from agencies.models import Membership

    Membership.objects.create(user=world.police_submitter, agency=world.levies, role="submitter")
    client = client_for(world.police_submitter)
    # when
    unnamed = client.post(URL, factories.payload(), format="json")
    named = client.post(URL, factories.payload(agency="levies"), format="json")
    foreign = client_for(world.levies_submitter).post(URL, factories.payload(agency="police"))
    # then
    assert unnamed.status_code == 400
    assert "agency" in unnamed.json()["errors"]
    assert named.status_code == 201
    assert named.json()["agency"] == "levies"
    assert foreign.status_code == 403


def test_owner_reads_detail_with_etag(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    # when
    response = client_for(world.police_analyst).get(detail(incident.pk))
    # then
    assert response.status_code == 200
    assert response.json()["id"] == str(incident.pk)
    assert response["ETag"] == f'"{incident.version}"'


def test_persons_need_a_purpose_and_are_logged(world, client_for):
    # given
    incident = factories.incident(
        world.police,
        world.police_submitter,
        persons=[{"role": "victim", "full_name": "Abdul Karim", "national_id": "54400-1234567-1"}],
    )
    client = client_for(world.police_analyst)
    # when
    without = client.get(detail(incident.pk), {"include": "persons"})
    with_purpose = client.get(
        detail(incident.pk), {"include": "persons", "purpose": "case review 12/2026"}
    )
    # then
    assert without.status_code == 400
    assert "purpose" in without.json()["errors"]
    assert with_purpose.status_code == 200
    persons = with_purpose.json()["persons"]
    assert [p["full_name"] for p in persons] == ["Abdul Karim"]
    from fusion.models import AuditEntry

    entry = AuditEntry.objects.get(event="incident.persons_read")
    assert entry.purpose == "case review 12/2026"
    assert entry.actor == world.police_analyst
    assert entry.object_pk == str(incident.pk)


def test_list_is_keyset_paginated_newest_first(world, client_for):
    # given
    for _ in range(7):
        factories.incident(world.police, world.police_submitter)
    client = client_for(world.police_analyst)
    # when
    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(second["previous"]).json()
    # then
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    expected = [
        str(pk)
        for pk in Incident.objects.order_by("-occurred_at", "-id").values_list("pk", flat=True)
    ]
    assert ids == expected
    assert first["previous"] is None
    assert third["next"] is None
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


def test_list_filters(world, client_for):
    # given
    a = factories.incident(
        world.police,
        world.police_submitter,
        category="kidnapping",
        severity=4,
        district="Kech",
        latitude=26.0,
        longitude=63.05,
        description="abduction near the bazaar",
    )
    factories.incident(world.police, world.police_submitter, category="robbery", severity=2)
    client = client_for(world.police_analyst)

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    # then
    assert ids(category="kidnapping") == {str(a.pk)}
    assert ids(severity_min=4) == {str(a.pk)}
    assert ids(district="kech") == {str(a.pk)}
    assert ids(bbox="62,25,64,27") == {str(a.pk)}
    assert ids(q="BAZAAR") == {str(a.pk)}
    assert ids(agency="levies") == set()
    assert (
        ids(occurred_after=a.occurred_at.isoformat(), occurred_before=a.occurred_at.isoformat())
        == set()
    )
    assert len(ids(tlp="AMBER")) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"severity_min": "high"}, "severity_min"),
        ({"occurred_after": "yesterday"}, "occurred_after"),
        ({"tlp": "PURPLE"}, "tlp"),
        ({"cursor": "garbage"}, "cursor"),
        ({"page_size": "-1"}, "page_size"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(world, client_for, params, field):
    response = client_for(world.police_analyst).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_geojson_feature_collection(world, client_for):
    # given
    incident = factories.incident(
        world.police, world.police_submitter, latitude=30.2, longitude=67.1
    )
    # when
    response = client_for(world.police_analyst).get(URL, {"format": "geojson"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    assert feature["id"] == str(incident.pk)
    assert feature["geometry"] == {"type": "Point", "coordinates": [67.1, 30.2]}
    assert "persons" not in feature["properties"]


def test_patch_with_current_if_match_updates_and_bumps_version(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    client = client_for(world.police_submitter)
    # when
    response = client.patch(
        detail(incident.pk), {"severity": 5}, format="json", HTTP_IF_MATCH='"1"'
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["severity"] == 5
    assert response["ETag"] == '"2"'


def test_stale_if_match_is_412_and_changes_nothing(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter, severity=2)
    client = client_for(world.police_submitter)
    client.patch(detail(incident.pk), {"severity": 3}, format="json", HTTP_IF_MATCH='"1"')
    # when
    patch = client.patch(detail(incident.pk), {"severity": 5}, format="json", HTTP_IF_MATCH='"1"')
    put = client.put(detail(incident.pk), factories.payload(), format="json", HTTP_IF_MATCH='"1"')
    delete = client.delete(detail(incident.pk), HTTP_IF_MATCH='"1"')
    # then
    assert (patch.status_code, put.status_code, delete.status_code) == (412, 412, 412)
    incident.refresh_from_db()
    assert (incident.severity, incident.version) == (3, 2)


def test_put_replaces_fields(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter, description="old")
    new = factories.payload(external_ref=incident.external_ref, description="new", severity=1)
    # when
    response = client_for(world.police_admin).put(detail(incident.pk), new, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "new"
    assert response.json()["severity"] == 1


def test_patch_external_ref_taken_is_409(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter, external_ref="TAKEN")
    incident = factories.incident(world.police, world.police_submitter)
    # when
    response = client_for(world.police_submitter).patch(
        detail(incident.pk), {"external_ref": "TAKEN"}, format="json"
    )
    # then
    assert response.status_code == 409
    assert "external_ref" in response.json()["errors"]


def test_delete_by_owner(world, client_for):
    # given
    incident = factories.incident(
        world.police, world.police_submitter, persons=[{"role": "victim", "full_name": "A B"}]
    )
    # when
    response = client_for(world.police_submitter).delete(detail(incident.pk), HTTP_IF_MATCH='"1"')
    # then
    assert response.status_code == 204
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not Person.objects.exists()


def test_categories_listed(world, client_for):
    response = client_for(world.levies_analyst).get(f"{URL}categories/")
    assert response.status_code == 200
    slugs = {c["slug"] for c in response.json()}
    assert {"bombing-ied", "suicide-attack", "kidnapping", "extortion", "other"} <= slugs
    assert {"slug", "name", "group"} <= set(response.json()[0])


def test_unknown_id_and_malformed_id_are_404(world, client_for):
    client = client_for(world.police_analyst)
    assert client.get(detail(uuid.uuid4())).status_code == 404
    assert client.get(detail("not-a-uuid")).status_code == 404


def test_oversight_and_outsiders_read_no_incident_content(world, client_for):
    factories.incident(world.police, world.police_submitter, tlp="CLEAR")
    assert client_for(world.overseer).get(URL).status_code == 403
    assert client_for(world.outsider).get(URL).status_code == 403
    assert client_for(None).get(URL).status_code == 401


def test_field_sets_are_the_documented_allow_lists(world, client_for):
    # given
    own = factories.incident(world.police, world.police_submitter, persons=[{"role": "victim"}])
    clear = factories.incident(world.levies, world.levies_submitter, tlp="CLEAR")
    client = client_for(world.police_analyst)
    incident_fields = {
        "id",
        "agency",
        "external_ref",
        "occurred_at",
        "reported_at",
        "category",
        "severity",
        "killed",
        "injured",
        "latitude",
        "longitude",
        "location_precision",
        "district",
        "description",
        "tlp",
        "contexts",
        "status",
        "version",
        "redacted",
    }
    person_fields = {
        "id",
        "role",
        "full_name",
        "national_id",
        "phone",
        "notes",
        "source",
        "legal_basis",
        "authorisation_ref",
        "confirmation",
        "confirmed_at",
    }
    # when
    plain = client.get(detail(own.pk)).json()
    shared = client.get(detail(clear.pk)).json()
    with_persons = client.get(detail(own.pk), {"include": "persons", "purpose": "check"}).json()
    feature = client.get(URL, {"format": "geojson"}).json()["features"][0]
    # then
    assert set(plain) == set(shared) == incident_fields
    assert set(with_persons) == incident_fields | {"persons"}
    assert set(with_persons["persons"][0]) == person_fields
    assert set(feature["properties"]) == incident_fields - {"latitude", "longitude"}
