"""Agency isolation: another agency's members get 404 and never see the incident anywhere."""

import uuid

import pytest

from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def hidden(world):
    return factories.incident(
        world.police,
        world.police_submitter,
        external_ref="SECRET-1",
        tlp="AMBER",
        district="Zhob",
        latitude=31.34,
        longitude=69.45,
        description="hidden operation",
        persons=[
            {"role": "witness", "full_name": "Hidden Witness", "national_id": "11111-1111111-1"}
        ],
    )


@pytest.mark.parametrize(
    "reader", ["levies_admin", "levies_submitter", "levies_analyst", "coordinator"]
)
def test_other_agency_gets_404_identical_to_missing(world, client_for, hidden, reader):
    # given
    client = client_for(getattr(world, reader))
    missing = f"{URL}{uuid.uuid4()}/"
    target = f"{URL}{hidden.pk}/"
    # when / then: every method answers exactly like a missing id
    for method, kwargs in [
        ("get", {}),
        ("get", {"data": {"include": "persons", "purpose": "curious reader"}}),
        ("patch", {"data": {"severity": 5}, "format": "json"}),
        ("patch", {"data": {"severity": 5}, "format": "json", "HTTP_IF_MATCH": '"99"'}),
        ("put", {"data": factories.payload(), "format": "json"}),
        ("delete", {}),
        ("delete", {"HTTP_IF_MATCH": '"99"'}),
    ]:
        seen = getattr(client, method)(target, **kwargs)
        absent = getattr(client, method)(missing, **kwargs)
        assert seen.status_code == absent.status_code == 404, (method, seen.content)
        assert seen.content == absent.content
    hidden.refresh_from_db()
    assert (hidden.version, hidden.severity) == (1, 3)


def test_other_agency_never_sees_it_in_lists_geojson_or_filters(world, client_for, hidden):
    # given
    client = client_for(world.levies_analyst)
    probes = [
        {},
        {"format": "geojson"},
        {"agency": "police"},
        {"district": "Zhob"},
        {"q": "hidden"},
        {"q": "SECRET"},
        {"tlp": "AMBER"},
        {"category": hidden.category_id},
        {"bbox": "66,29,68,31"},
        {"shared": "true"},
    ]
    # when / then
    for params in probes:
        response = client.get(URL, params)
        assert response.status_code == 200
        assert str(hidden.pk) not in response.content.decode(), params
        assert "Hidden Witness" not in response.content.decode()


def test_other_agency_reposting_same_ref_creates_its_own(world, client_for, hidden):
    # when
    response = client_for(world.levies_submitter).post(
        URL, factories.payload(external_ref="SECRET-1"), format="json"
    )
    # then: no conflict that reveals the other record, no change to it
    assert response.status_code == 201
    assert response.json()["id"] != str(hidden.pk)
    hidden.refresh_from_db()
    assert hidden.version == 1
    assert Incident.objects.filter(external_ref="SECRET-1").count() == 2


def test_clear_incident_is_visible_to_others_without_persons(world, client_for):
    # given
    clear = factories.incident(
        world.police,
        world.police_submitter,
        tlp="CLEAR",
        persons=[{"role": "victim", "full_name": "Public Victim"}],
    )
    client = client_for(world.levies_analyst)
    # when
    listed = client.get(URL).json()["results"]
    shown = client.get(f"{URL}{clear.pk}/", {"include": "persons", "purpose": "cross-check"})
    write = client_for(world.levies_submitter).patch(
        f"{URL}{clear.pk}/", {"severity": 1}, format="json"
    )
    # then
    assert [r["id"] for r in listed] == [str(clear.pk)]
    assert listed[0]["redacted"] is True
    assert shown.status_code == 200
    assert shown.json()["persons"] == []
    assert shown.json()["redacted"] is True
    assert "Public Victim" not in shown.content.decode()
    assert write.status_code == 403


def test_owner_sees_witnesses(world, client_for, hidden):
    response = client_for(world.police_analyst).get(
        f"{URL}{hidden.pk}/", {"include": "persons", "purpose": "investigation"}
    )
    assert response.status_code == 200
    assert [p["role"] for p in response.json()["persons"]] == ["witness"]
    assert response.json()["redacted"] is False
