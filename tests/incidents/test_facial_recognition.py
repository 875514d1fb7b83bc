"""Facial recognition outside protected contexts: every write route wants the authorisation;
an unconfirmed person is its owner's alone (not shared, searched or matched) until a second
user of the owning agency confirms it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from agencies.services import service_account_create
from fusion.models import AuditEntry, Match
from fusion.sharing.shares import share_grant
from incidents import bulk
from incidents.access import Level
from incidents.confirmations import CONFIRMED
from incidents.models import Incident, Person
from incidents.redaction import is_redacted, readable_persons
from tests import factories

pytestmark = pytest.mark.django_db

NATIONAL_ID = "35202-1234567-1"
SEEN = {
    "role": "suspect",
    "full_name": "Seen On Camera",
    "national_id": NATIONAL_ID,
    "source": "facial_recognition",
    "authorisation_ref": "AUTH-2026-17",
}
UNAUTHORISED = {k: v for k, v in SEEN.items() if k != "authorisation_ref"}
ROUTES = ["single", "patch", "bulk_staged", "bulk_python"]


@pytest.fixture
def send(world, client_for, monkeypatch):
    """`send(route, persons)`: police's submitter writes an incident with these persons."""
    client = client_for(world.police_submitter)

    def write(route: str, persons: list[dict]):
        body = factories.payload(persons=persons)
        if route == "bulk_python":
            monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
        if route == "single":
            return client.post("/api/v1/incidents/", body, format="json")
        if route == "patch":
            stored = factories.incident(world.police, world.police_submitter)
            return client.patch(
                f"/api/v1/incidents/{stored.pk}/", {"persons": persons}, format="json",
                HTTP_IF_MATCH=f'"{stored.version}"',
            )  # fmt: skip
        return client.post("/api/v1/incidents/bulk/", {"incidents": [body]}, format="json")

    return write


@pytest.fixture
def seen(world):
    """Police's incident, recorded by its submitter, with an unconfirmed person from facial
    recognition, shared with levies at view_persons."""
    incident = factories.incident(world.police, world.police_submitter, persons=[SEEN])
    share_grant(
        actor=world.police_admin, incident=incident, agency=world.levies,
        level="view_persons", purpose="joint investigation",
    )  # fmt: skip
    return incident


def the_person(incident: Incident) -> Person:
    return incident.persons.get()


def confirm(client, incident: Incident, person_id) -> object:
    return client.post(f"/api/v1/incidents/{incident.pk}/persons/{person_id}/confirm/", {})


def persons_read(client, incident: Incident) -> dict:
    response = client.get(
        f"/api/v1/incidents/{incident.pk}/", {"include": "persons", "purpose": "fr check"}
    )
    assert response.status_code == 200, response.content[:300]
    return response.json()


def searched(client) -> list[dict]:
    response = client.get(
        "/api/v1/persons/search/", {"national_id": NATIONAL_ID, "purpose": "fr check"}
    )
    assert response.status_code == 200, response.content[:300]
    return response.json()


def person_matches() -> int:
    return Match.objects.filter(kind="person").count()


@pytest.mark.parametrize("route", ROUTES)
def test_a_person_from_facial_recognition_without_authorisation_is_refused(send, route):
    # given
    before = Person.objects.count()
    # when
    response = send(route, [UNAUTHORISED])
    # then: 400 naming persons.0.authorisation_ref; nothing stored
    assert response.status_code == 400, response.content[:400]
    errors = response.json()["errors"]
    if route.startswith("bulk"):
        errors = errors["incidents"]["0"]
    assert list(errors["persons"]["0"]) == ["authorisation_ref"]
    assert Person.objects.count() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_person_from_facial_recognition_with_authorisation_is_stored_unconfirmed(
    world, send, route
):
    # when
    response = send(route, [SEEN])
    # then: stored with its authorisation, recorded by the writer, awaiting confirmation
    assert response.status_code in (200, 201), response.content[:400]
    person = Person.objects.get(source="facial_recognition")
    assert person.authorisation_ref == "AUTH-2026-17"
    assert person.recorded_by == world.police_submitter
    assert person.confirmed_at is None


def test_the_file_import_rejects_a_person_without_authorisation(world, tmp_path):
    # given: a JSON Lines file whose second row names a person from facial recognition bare
    rows = [factories.payload(persons=[SEEN]), factories.payload(persons=[UNAUTHORISED])]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    rejects = tmp_path / "rows.rej"
    # when
    call_command(
        "import_incidents", str(path), "--agency", "police", "--rejects", str(rejects),
        stdout=StringIO(),
    )  # fmt: skip
    # then: the first row is stored (its person awaiting confirmation), the second rejected
    # naming the field
    [rejected] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert rejected["line"] == 2
    assert "authorisation_ref" in json.dumps(rejected["errors"])
    assert list(Incident.objects.values_list("external_ref", flat=True)) == [
        rows[0]["external_ref"]
    ]
    assert Person.objects.get().confirmed_at is None


def test_in_a_protected_context_facial_recognition_stays_refused(world, client_for):
    # given: an authorised person from facial recognition at a protest
    body = factories.payload(contexts=["protest"], persons=[{**SEEN, "legal_basis": "w 9"}])
    # when
    response = client_for(world.police_submitter).post("/api/v1/incidents/", body, format="json")
    # then: the context refuses the source, whatever authorisation it names
    assert response.status_code == 400, response.content[:400]
    assert list(response.json()["errors"]["persons"]["0"]) == ["source"]


def test_an_unconfirmed_person_is_withheld_from_a_partner_reading_persons(world, client_for, seen):
    # when
    partner = persons_read(client_for(world.levies_analyst), seen)
    owner = persons_read(client_for(world.police_analyst), seen)
    # then: the partner gets the incident without the person, marked redacted; the owner
    # sees the person, marked pending
    assert partner["persons"] == []
    assert partner["redacted"] is True
    [person] = owner["persons"]
    assert (person["full_name"], person["confirmation"]) == ("Seen On Camera", "pending")
    assert person["authorisation_ref"] == "AUTH-2026-17"
    assert owner["redacted"] is False


def test_an_unconfirmed_person_is_not_found_by_a_partners_search(world, client_for, seen):
    # when
    partner = searched(client_for(world.levies_analyst))
    owner = searched(client_for(world.police_analyst))
    # then
    assert partner == []
    assert [(h["full_name"], h["confirmation"]) for h in owner] == [("Seen On Camera", "pending")]


def test_an_unconfirmed_person_is_never_matched(world, seen):
    # when: levies records a person with the same national id
    factories.incident(
        world.levies, world.levies_submitter,
        persons=[{"role": "suspect", "national_id": NATIONAL_ID}],
    )  # fmt: skip
    # then: no person hint either way
    assert person_matches() == 0


@pytest.mark.parametrize("who", ["police_submitter", "police_analyst", "levies_admin"])
def test_only_a_second_writer_of_the_owner_confirms(world, client_for, seen, who):
    # given: the recorder (403), an analyst of the owner (403), the partner (404: the
    # unconfirmed person is not theirs to see)
    person = the_person(seen)
    # when
    response = confirm(client_for(getattr(world, who)), seen, person.pk)
    # then
    want = {"police_submitter": 403, "police_analyst": 403, "levies_admin": 404}[who]
    assert response.status_code == want, response.content[:300]
    person.refresh_from_db()
    assert person.confirmed_at is None


def test_another_agencys_incident_is_not_found(world, client_for):
    # given: a levies incident, not shared with police
    incident = factories.incident(world.levies, world.levies_submitter, persons=[SEEN])
    # when
    response = confirm(client_for(world.police_admin), incident, the_person(incident).pk)
    # then
    assert response.status_code == 404


def test_a_second_user_confirms_and_the_person_is_shared_searched_and_matched(
    world, client_for, seen
):
    # given: levies holds a person with the same national id (no hint while unconfirmed)
    factories.incident(
        world.levies, world.levies_submitter,
        persons=[{"role": "suspect", "national_id": NATIONAL_ID}],
    )  # fmt: skip
    person = the_person(seen)
    assert person_matches() == 0
    # when: police's admin, not the recorder, confirms
    response = confirm(client_for(world.police_admin), seen, person.pk)
    # then: confirmed and audited; the partner reads it and finds it; the match is made
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert (body["confirmation"], body["confirmed_by"]) == ("confirmed", "police_admin")
    [entry] = AuditEntry.objects.filter(event=CONFIRMED)
    assert entry.actor == world.police_admin
    assert entry.object_pk == str(person.pk)
    assert entry.additional_data["authorisation_ref"] == "AUTH-2026-17"
    partner = client_for(world.levies_analyst)
    [shown] = persons_read(partner, seen)["persons"]
    assert (shown["full_name"], shown["confirmation"]) == ("Seen On Camera", "confirmed")
    found = [h["full_name"] for h in searched(partner) if h["agency"] == "police"]
    assert found == ["Seen On Camera"]
    assert person_matches() == 1


def test_confirming_twice_or_a_person_of_another_source_is_a_conflict(world, client_for):
    # given
    incident = factories.incident(
        world.police, world.police_submitter, persons=[SEEN, {"role": "victim"}]
    )
    seen_person = incident.persons.get(source="facial_recognition")
    reported = incident.persons.get(source="report")
    admin = client_for(world.police_admin)
    assert confirm(admin, incident, seen_person.pk).status_code == 200
    # when
    again = confirm(admin, incident, seen_person.pk)
    other = confirm(admin, incident, reported.pk)
    # then
    assert (again.status_code, other.status_code) == (409, 409)


def test_a_repost_keeps_the_confirmation_and_a_changed_person_loses_it(world, client_for, seen):
    # given: confirmed
    person = the_person(seen)
    assert confirm(client_for(world.police_admin), seen, person.pk).status_code == 200
    client = client_for(world.police_admin)
    url = f"/api/v1/incidents/{seen.pk}/"
    seen.refresh_from_db()
    # when: a change of the incident re-sends the person as stored
    kept = client.patch(
        url, {"severity": 5, "persons": [SEEN]}, format="json",
        HTTP_IF_MATCH=f'"{seen.version}"',
    )  # fmt: skip
    # then: same person, still confirmed
    assert kept.status_code == 200, kept.content[:300]
    again = the_person(seen)
    assert (again.pk, again.confirmed_by) == (person.pk, world.police_admin)
    # when: the person's name changes
    changed = client.patch(
        url, {"persons": [{**SEEN, "full_name": "Someone Else"}]}, format="json",
        HTTP_IF_MATCH=f'"{seen.version + 1}"',
    )  # fmt: skip
    # then: a new record, recorded by the writer, unconfirmed: withheld from the partner again
    assert changed.status_code == 200, changed.content[:300]
    fresh = the_person(seen)
    assert fresh.pk != person.pk
    assert (fresh.confirmed_at, fresh.recorded_by) == (None, world.police_admin)
    assert persons_read(client_for(world.levies_analyst), seen)["persons"] == []


PERSON = st.builds(
    lambda role, source, confirmed: Person(
        role=role, source=source, confirmed_at=timezone.now() if confirmed else None
    ),
    st.sampled_from(["victim", "witness", "suspect", "other"]),
    st.sampled_from(["report", "statement", "facial_recognition"]),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(persons=st.lists(PERSON, max_size=6), level=st.sampled_from(list(Level)))
def test_no_reader_but_the_owner_gets_an_unconfirmed_person(persons, level):
    # when
    shown = readable_persons(level, persons)
    redacted = is_redacted(
        level,
        has_persons=bool(persons),
        has_witnesses=any(p.role == "witness" for p in persons),
        has_unconfirmed=any(
            p.source == "facial_recognition" and p.confirmed_at is None for p in persons
        ),
    )
    # then: the owner gets everyone; any other reader never an unconfirmed person, and the
    # incident is marked redacted exactly when someone is withheld
    unconfirmed = [p for p in shown if p.source == "facial_recognition" and not p.confirmed_at]
    assert shown == persons if level == Level.OWNER else not unconfirmed
    assert redacted == (len(shown) < len(persons))


@pytest.mark.parametrize("route", ["bulk_staged", "bulk_python"])
def test_a_bulk_repost_keeps_the_confirmation_of_a_person_sent_as_stored(
    world, client_for, monkeypatch, seen, route
):
    # given: confirmed
    person = the_person(seen)
    assert confirm(client_for(world.police_admin), seen, person.pk).status_code == 200
    if route == "bulk_python":
        monkeypatch.setattr(bulk, "is_postgresql", lambda: False)
    body = {**factories.payload(persons=[SEEN]), "external_ref": seen.external_ref}
    body.update(occurred_at=seen.occurred_at.isoformat(), severity=5)
    # when: a bulk re-post changes the severity and sends the person as stored
    response = client_for(world.police_submitter).post(
        "/api/v1/incidents/bulk/", {"incidents": [body]}, format="json"
    )
    # then: the same person, still confirmed and still the partner's to read
    assert response.status_code == 200, response.content[:300]
    assert response.json()["updated"] == 1
    again = the_person(seen)
    assert (again.pk, again.confirmed_by) == (person.pk, world.police_admin)
    assert len(persons_read(client_for(world.levies_analyst), seen)["persons"]) == 1


@pytest.mark.parametrize("source", [None, "report"])
@pytest.mark.parametrize("changed", [{}, {"full_name": "Seen On Kamera"}])
@pytest.mark.parametrize("writer", ["admin", "system"])
def test_a_repost_cannot_take_a_person_out_of_facial_recognition(
    world, client_for, seen, source, changed, writer
):
    # given: the person re-sent by the owner's admin or system, its source left out or
    # renamed, and maybe a spelling corrected on the way
    sent = {k: v for k, v in SEEN.items() if k != "source"} | ({"source": source} if source else {})
    body = factories.payload(external_ref=seen.external_ref, persons=[sent | changed])
    if writer == "system":
        client = client_for(None)
        _, token = service_account_create(
            actor=world.police_admin, agency=world.police, name="cad", scopes=["incidents:write"]
        )
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    else:
        client = client_for(world.police_admin)
    # when
    response = client.post("/api/v1/incidents/", body, format="json")
    # then: still from facial recognition, unconfirmed, withheld from the partner
    assert response.status_code == 200, response.content[:300]
    stored = the_person(seen)
    assert (stored.source, stored.confirmed_at) == ("facial_recognition", None)
    assert stored.authorisation_ref == "AUTH-2026-17"
    assert persons_read(client_for(world.levies_analyst), seen)["persons"] == []
    assert searched(client_for(world.levies_analyst)) == []
    # and its recorder: unchanged, or the human who changed it; never a system, so the first
    # recorder may not confirm what a system re-sent
    human_change = changed and writer == "admin"
    assert stored.recorded_by == (world.police_admin if human_change else world.police_submitter)
    if not human_change:
        assert confirm(client_for(world.police_submitter), seen, stored.pk).status_code == 403
