"""Bad input: each answered 400 (or 413) naming the field, and nothing stored."""

from datetime import UTC, datetime, timedelta

import pytest

from fusion.models import AuditEntry
from incidents.models import Incident, Person
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat()
PROTECTED_FR = {
    "role": "suspect",
    "full_name": "X Y",
    "source": "facial_recognition",
    "legal_basis": "warrant 7",
}

BAD_INPUTS = [
    ({"latitude": 91}, "latitude"),
    ({"latitude": -90.5}, "latitude"),
    ({"longitude": 180.01}, "longitude"),
    ({"longitude": "east"}, "longitude"),
    ({"latitude": "NaN"}, "latitude"),
    ({"severity": 0}, "severity"),
    ({"severity": 6}, "severity"),
    ({"severity": "high"}, "severity"),
    ({"killed": -1}, "killed"),
    ({"injured": -3}, "injured"),
    ({"category": "alien-landing"}, "category"),
    ({"tlp": "PURPLE"}, "tlp"),
    ({"contexts": ["wedding"]}, "contexts"),
    ({"contexts": "protest"}, "contexts"),
    ({"status": "lost"}, "status"),
    ({"persons": [{"role": "bystander"}]}, "persons"),
    ({"persons": [{"role": "victim", "source": "rumour"}]}, "persons"),
    ({"persons": [{"role": "victim", "shoe_size": 9}]}, "persons"),
    ({"occurred_at": "last tuesday"}, "occurred_at"),
    ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at"),
    ({"occurred_at": FUTURE, "reported_at": FUTURE}, "occurred_at"),
    ({"reported_at": FUTURE}, "reported_at"),
    (
        {"occurred_at": "2026-03-02T10:00:00+00:00", "reported_at": "2026-03-01T10:00:00+00:00"},
        "occurred_at",
    ),
    ({"contexts": ["protest"], "persons": [PROTECTED_FR]}, "persons"),
    ({"contexts": ["campus"], "persons": [{"role": "victim", "full_name": "Z"}]}, "persons"),
    ({"id": "7b1d7a8e-0000-4000-8000-000000000000"}, "id"),
    ({"version": 9}, "version"),
    ({"redacted": True}, "redacted"),
    ({"colour": "red"}, "colour"),
    ({"description": "x" * 20001}, "description"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUTS)
def test_bad_field_is_400_naming_it_and_nothing_is_stored(world, client_for, change, field):
    # given
    body = {**factories.payload(), **change}
    entries_before = AuditEntry.objects.count()
    # when
    response = client_for(world.police_submitter).post(URL, body, format="json")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert response.json()["detail"]
    assert Incident.objects.count() == 0
    assert Person.objects.count() == 0
    assert AuditEntry.objects.count() == entries_before


@pytest.mark.parametrize(
    "missing", ["occurred_at", "category", "severity", "latitude", "longitude"]
)
def test_missing_required_field_is_named(world, client_for, missing):
    body = factories.payload()
    del body[missing]
    response = client_for(world.police_submitter).post(URL, body, format="json")
    assert response.status_code == 400
    assert missing in response.json()["errors"]


def test_protected_context_person_errors_name_index_and_field(world, client_for):
    body = factories.payload(
        contexts=["protest"], persons=[{"role": "victim", "legal_basis": "FIR 1"}, PROTECTED_FR]
    )
    response = client_for(world.police_submitter).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["persons"] == {
        "1": {"source": ["Facial recognition is refused in protected contexts."]}
    }


def test_malformed_json_is_400(world, client_for):
    response = client_for(world.police_submitter).post(
        URL, data='{"severity": 3,', content_type="application/json"
    )
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert Incident.objects.count() == 0


def test_non_object_body_is_400(world, client_for):
    response = client_for(world.police_submitter).post(URL, [1, 2], format="json")
    assert response.status_code == 400


def test_oversize_body_is_413(world, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = factories.payload(description="x" * 2000)
    response = client_for(world.police_submitter).post(URL, body, format="json")
    assert response.status_code == 413
    assert response.json()["detail"]
    assert Incident.objects.count() == 0


def test_patch_with_agency_is_400_and_row_unchanged(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    # when
    for forbidden in ({"agency": "levies"}, {"id": "x"}, {"version": 7}, {"redacted": False}):
        response = client_for(world.police_submitter).patch(
            f"{URL}{incident.pk}/", forbidden, format="json"
        )
        # then
        assert response.status_code == 400
        assert next(iter(forbidden)) in response.json()["errors"]
    incident.refresh_from_db()
    assert (incident.agency, incident.version) == (world.police, 1)
