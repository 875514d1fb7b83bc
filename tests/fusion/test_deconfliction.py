"""Deconfliction: match hints without content, access requests, and person search."""

from datetime import UTC, datetime, timedelta

import pytest

from fusion.models import AuditEntry, Match
from incidents.bulk import incident_upsert_batch
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ID = "54400-7777777-1"


def event(world, agency, by, **overrides):
    base = {
        "occurred_at": T0,
        "reported_at": T0 + timedelta(hours=1),
        "latitude": 30.18,
        "longitude": 67.0,
        "category": "bombing-ied",
    }
    return factories.incident(agency, by, **{**base, **overrides})


def test_same_event_reported_by_two_agencies_gives_each_a_hint(world, client_for):
    # given
    police = event(world, world.police, world.police_submitter, description="police secret text")
    levies = event(
        world,
        world.levies,
        world.levies_submitter,
        latitude=30.185,
        occurred_at=T0 + timedelta(hours=1),
        description="levies secret text",
    )
    # when
    police_view = client_for(world.police_analyst).get("/api/v1/matches/").json()["results"]
    levies_view = client_for(world.levies_analyst).get("/api/v1/matches/").json()["results"]
    # then
    assert [(m["kind"], m["own_incident"], m["other_agency"]) for m in police_view] == [
        ("event", str(police.pk), "levies")
    ]
    assert [(m["own_incident"], m["other_agency"]) for m in levies_view] == [
        (str(levies.pk), "police")
    ]
    assert 0 < police_view[0]["score"] <= 1
    body = client_for(world.police_analyst).get("/api/v1/matches/").content.decode()
    assert str(levies.pk) not in body
    assert "levies secret" not in body


@pytest.mark.parametrize(
    "overrides",
    [
        {"latitude": 30.3},  # ~13 km away
        {"occurred_at": T0 + timedelta(hours=13), "reported_at": T0 + timedelta(hours=14)},
        {"category": "robbery"},  # another category group
    ],
)
def test_different_events_do_not_match(world, overrides):
    event(world, world.police, world.police_submitter)
    event(world, world.levies, world.levies_submitter, **overrides)
    assert not Match.objects.exists()


def test_same_agency_never_matches_itself(world):
    event(world, world.police, world.police_submitter)
    event(world, world.police, world.police_submitter)
    assert not Match.objects.exists()


def person_incident(world, agency, by, role="suspect", **overrides):
    person = {"role": role, "full_name": "Same Person", "national_id": ID}
    if overrides.get("contexts"):
        person["legal_basis"] = "warrant 12"
    place = {"latitude": 25.0, "longitude": 62.0}
    return factories.incident(agency, by, persons=[person], **{**place, **overrides})


def test_same_national_id_gives_person_match(world):
    person_incident(world, world.police, world.police_submitter)
    person_incident(world, world.levies, world.levies_submitter, latitude=28.0)
    assert list(Match.objects.values_list("kind", flat=True)) == ["person"]


@pytest.mark.parametrize(
    ("police_kwargs", "levies_kwargs"),
    [
        ({"role": "witness"}, {}),
        ({}, {"role": "witness"}),
        ({"contexts": ["protest"]}, {}),
        ({}, {"contexts": ["religious_gathering"]}),
    ],
)
def test_witnesses_and_protected_contexts_never_match(world, police_kwargs, levies_kwargs):
    person_incident(world, world.police, world.police_submitter, **police_kwargs)
    person_incident(world, world.levies, world.levies_submitter, **levies_kwargs)
    assert not Match.objects.filter(kind="person").exists()


def test_access_request_by_match_approved_creates_share(world, client_for):
    # given
    police = event(
        world, world.police, world.police_submitter, persons=[{"role": "victim", "full_name": "V"}]
    )
    event(world, world.levies, world.levies_submitter)
    match_id = client_for(world.levies_analyst).get("/api/v1/matches/").json()["results"][0]["id"]
    requester = client_for(world.levies_analyst)
    # when
    filed = requester.post(
        "/api/v1/access-requests/", {"match": match_id, "purpose": "same blast"}, format="json"
    )
    # then: the requester does not learn the incident id yet
    assert filed.status_code == 201, filed.content
    assert filed.json()["incident"] is None
    assert filed.json()["owner_agency"] == "police"
    owner_view = client_for(world.police_admin).get("/api/v1/access-requests/").json()["results"]
    assert owner_view[0]["incident"] == str(police.pk)
    # when the owner's admin approves
    request_id = filed.json()["id"]
    assert (
        client_for(world.police_analyst)
        .post(f"/api/v1/access-requests/{request_id}/approve/", {})
        .status_code
        == 403
    )
    approved = client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request_id}/approve/",
        {
            "level": "view_persons",
            "expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        format="json",
    )
    # then
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    shown = requester.get(
        f"/api/v1/incidents/{police.pk}/", {"include": "persons", "purpose": "same blast"}
    )
    assert shown.status_code == 200
    assert [p["full_name"] for p in shown.json()["persons"]] == ["V"]
    again = client_for(world.police_admin).post(
        f"/api/v1/access-requests/{request_id}/deny/", {"reason": "x"}
    )
    assert again.status_code == 409


def test_access_request_denied_with_reason(world, client_for):
    event(world, world.police, world.police_submitter)
    event(world, world.levies, world.levies_submitter)
    match_id = client_for(world.levies_analyst).get("/api/v1/matches/").json()["results"][0]["id"]
    filed = (
        client_for(world.levies_analyst)
        .post("/api/v1/access-requests/", {"match": match_id, "purpose": "same blast"})
        .json()
    )
    admin = client_for(world.police_admin)
    assert (
        admin.post(f"/api/v1/access-requests/{filed['id']}/deny/", {"reason": ""}).status_code
        == 400
    )
    denied = admin.post(
        f"/api/v1/access-requests/{filed['id']}/deny/", {"reason": "operation ongoing"}
    )
    assert denied.json()["status"] == "denied"
    assert denied.json()["reason"] == "operation ongoing"


def test_access_requests_never_reveal_unseen_incidents(world, client_for):
    hidden = factories.incident(world.police, world.police_submitter)
    client = client_for(world.levies_analyst)
    by_incident = client.post(
        "/api/v1/access-requests/", {"incident": str(hidden.pk), "purpose": "curious"}
    )
    by_foreign_match = client.post(
        "/api/v1/access-requests/", {"match": 999999, "purpose": "curious"}
    )
    assert by_incident.status_code == by_foreign_match.status_code == 404
    missing = client.post(
        "/api/v1/access-requests/",
        {"incident": "7b1d7a8e-0000-4000-8000-000000000000", "purpose": "curious"},
    )
    assert missing.content == by_incident.content
    assert client.post("/api/v1/access-requests/", {"purpose": "no target"}).status_code == 400


def test_person_search_needs_purpose_is_logged_and_hides_foreign_witnesses(world, client_for):
    # given
    own = person_incident(world, world.police, world.police_submitter, role="witness")
    shared = person_incident(
        world, world.levies, world.levies_submitter, role="suspect", tlp="GREEN"
    )
    shared_witness = person_incident(
        world, world.levies, world.levies_submitter, role="witness", tlp="GREEN"
    )
    unshared = person_incident(world, world.levies, world.levies_submitter, role="victim")
    for incident in (shared, shared_witness):
        client_for(world.levies_admin).post(
            f"/api/v1/incidents/{incident.pk}/shares/",
            {"agency": "police", "level": "view_persons", "purpose": "joint case"},
            format="json",
        )
    client = client_for(world.police_analyst)
    # when
    without = client.get("/api/v1/persons/search/", {"national_id": ID})
    found = client.get(
        "/api/v1/persons/search/", {"national_id": "54400 7777777 1", "purpose": "joint case 7"}
    )
    # then
    assert without.status_code == 400
    assert "purpose" in without.json()["errors"]
    hits = {(h["incident"], h["role"]) for h in found.json()}
    assert hits == {(str(own.pk), "witness"), (str(shared.pk), "suspect")}
    assert str(unshared.pk) not in found.content.decode()
    entry = AuditEntry.objects.get(event="persons.search")
    assert entry.purpose == "joint case 7"
    assert entry.additional_data["hits"] == 2
    assert ID not in str(entry.additional_data)


def test_bulk_records_match_persons_as_single_writes_do(world):
    # given: levies hold a suspect; police post, in one batch, the same person in an
    # ordinary incident, in a protected context, and as a witness
    levies = person_incident(world, world.levies, world.levies_submitter, latitude=28.0)
    person = {"role": "suspect", "full_name": "Same Person", "national_id": ID}
    records = [
        factories.record(persons=[person], latitude=25.0, longitude=62.0),
        factories.record(
            persons=[{**person, "legal_basis": "warrant 12"}], contexts=["protest"],
            latitude=26.0, longitude=62.0,
        ),
        factories.record(persons=[{**person, "role": "witness"}], latitude=27.0, longitude=64.0),
    ]  # fmt: skip
    # when
    result = incident_upsert_batch(
        actor=world.police_submitter, agency=world.police, records=records
    )
    # then: one person match, with the ordinary incident only
    pairs = Match.objects.filter(kind="person").values_list("incident_a_id", "incident_b_id")
    assert [set(p) for p in pairs] == [{levies.pk, result.ids[0]}]
