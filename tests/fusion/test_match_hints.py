"""Deconfliction hints across the agency boundary: nothing to invert into the other record's
place, time or attributes, no TLP:RED or AMBER+STRICT, a budget per finding agency, and hints
that outlive the incidents they were found for."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.models import AuditEntry, Match
from fusion.sharing.match_hints import BUDGET_SPENT, PERSON_HINT
from fusion.sharing.matching import MATCH_CELLS_PER_DEGREE, TIME_BUCKET, same_event
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)  # the start of a six-hour bucket
HIDDEN = (30.1837, 67.0123)  # inside a 1/50-degree cell, away from its edges
NATIONAL_ID = "54400-1234567-1"
KM_LAT = 1 / 111.2  # degrees of latitude in a kilometre


def at(place=HIDDEN, *, minutes=37, **overrides):
    when = T0 + timedelta(minutes=minutes)
    return {
        "latitude": place[0],
        "longitude": place[1],
        "occurred_at": when,
        "reported_at": when + timedelta(hours=1),
        "category": "bombing-ied",
        **overrides,
    }


def post(api, record):
    response = api.post("/api/v1/incidents/", factories.payload(**record), format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def hints(api):
    return api.get("/api/v1/matches/", {"page_size": 500}).json()["results"]


def feed(api):
    return api.get("/api/v1/notifications/").json()["results"]


def test_probes_around_a_hidden_incident_get_one_and_the_same_answer(world, client_for):
    # given: a levies incident the police cannot see
    hidden = factories.incident(world.levies, world.levies_submitter, **at())
    prober = client_for(world.police_submitter)
    assert prober.get(f"/api/v1/incidents/{hidden.pk}/").status_code == 404
    # when: probes 50 m to 1.5 km away and 5 minutes to 5 hours apart, as the outside probe did
    offsets = [(0.05, 5), (0.2, 60), (0.5, 120), (1.0, 200), (1.5, 300), (0.1, -30)]
    for km, minutes in offsets:
        place = (HIDDEN[0] + km * KM_LAT * 0.3, HIDDEN[1] + km * KM_LAT * 0.2)
        post(prober, at(place, minutes=37 + minutes))
    # then: one answer, the same for every probe: nothing grows or shrinks with distance
    seen = hints(client_for(world.police_analyst))
    assert len(seen) == len(offsets)
    assert {h["score"] for h in seen} == {0.5}
    assert {h["other_agency"] for h in seen} == {"levies"}
    assert str(hidden.pk) not in str(seen)


cells = st.integers(-5, 5)
fractions = st.floats(0.001, 0.999)


@given(
    hidden=st.tuples(fractions, fractions, fractions),
    probe=st.tuples(cells, cells, cells),
    first=st.tuples(fractions, fractions, fractions),
    second=st.tuples(fractions, fractions, fractions),
)
def test_the_answer_is_a_function_of_the_cell_and_bucket_only(hidden, probe, first, second):
    """Two probes in the same place cell and time bucket always get the same answer about a
    hidden incident, wherever in the cell and bucket each lies: probing cannot refine a
    hidden incident's place below a cell, nor its time below a bucket."""
    # given
    base = (1509, 3350, 82432)  # a cell near 30.18N 67.0E, a bucket in 2026

    def incident(agency_id, cell, offset):
        lat = (base[0] + cell[0] + offset[0]) / MATCH_CELLS_PER_DEGREE
        lon = (base[1] + cell[1] + offset[1]) / MATCH_CELLS_PER_DEGREE
        when = datetime(1970, 1, 1, tzinfo=UTC) + TIME_BUCKET * (base[2] + cell[2] + offset[2])
        return Incident(
            agency_id=agency_id,
            category_id="robbery",
            tlp="AMBER",
            latitude=lat,
            longitude=lon,
            occurred_at=when,
        )

    groups = {"robbery": "crime"}
    other = incident(1, (0, 0, 0), hidden)
    # when
    answers = {same_event(incident(2, probe, offset), other, groups) for offset in (first, second)}
    # then
    assert len(answers) == 1


@pytest.mark.parametrize("hidden_tlp", ["RED", "AMBER+STRICT"])
@pytest.mark.parametrize("kind", ["event", "person"])
def test_red_and_amber_strict_incidents_never_match(world, client_for, hidden_tlp, kind):
    # given
    person = [{"role": "suspect", "full_name": "S", "national_id": NATIONAL_ID}]
    extra = {"persons": person} if kind == "person" else {}
    factories.incident(world.levies, world.levies_submitter, tlp=hidden_tlp, **extra, **at())
    probe = at() if kind == "event" else at((25.0, 62.0), category="robbery")
    # when
    post(client_for(world.police_submitter), {**probe, **extra})
    # then
    assert hints(client_for(world.police_analyst)) == []
    assert hints(client_for(world.levies_analyst)) == []
    assert not Match.objects.exists()


def test_a_probe_of_any_tlp_does_not_match_a_red_one(world):
    # given
    factories.incident(world.levies, world.levies_submitter, **at())
    # when: the prober marks its own probe RED
    factories.incident(world.police, world.police_submitter, tlp="RED", **at())
    # then
    assert not Match.objects.exists()


def test_a_hint_is_withdrawn_when_its_incident_becomes_red(world, client_for):
    # given
    levies = factories.incident(world.levies, world.levies_submitter, **at())
    post(client_for(world.police_submitter), at())
    assert len(hints(client_for(world.police_analyst))) == 1
    # when
    response = client_for(world.levies_submitter).patch(
        f"/api/v1/incidents/{levies.pk}/", {"tlp": "RED"}, format="json"
    )
    # then
    assert response.status_code == 200
    assert hints(client_for(world.police_analyst)) == []
    assert hints(client_for(world.levies_analyst)) == []


def test_deleting_the_probe_keeps_the_owners_hint_and_notification(world, client_for):
    # given
    owned = factories.incident(world.levies, world.levies_submitter, **at())
    prober = client_for(world.police_submitter)
    probe = post(prober, at())
    before = feed(client_for(world.levies_admin))
    # when
    assert prober.delete(f"/api/v1/incidents/{probe}/").status_code == 204
    # then
    [hint] = hints(client_for(world.levies_analyst))
    assert (hint["own_incident"], hint["other_agency"]) == (str(owned.pk), "police")
    assert feed(client_for(world.levies_admin)) == before
    [prober_side] = hints(client_for(world.police_analyst))
    assert prober_side["own_incident"] is None


def test_the_hint_budget_bounds_each_receiving_agency(world, client_for, settings):
    # given: four levies incidents in four places, and a budget of two hints a day
    settings.FUSION_MATCH_HINT_BUDGET = 2
    places = [(30.1837 + 0.2 * n, 67.0123) for n in range(4)]
    for place in places:
        factories.incident(world.levies, world.levies_submitter, **at(place))
    # when: a probe on each
    prober = client_for(world.police_submitter)
    for place in places:
        post(prober, at(place))
    # then: each side was given two; running out is on the record once per agency, no counts
    assert len(hints(client_for(world.police_analyst))) == 2
    assert len(hints(client_for(world.levies_analyst))) == 2
    assert Match.objects.count() == 4
    spent = AuditEntry.objects.filter(event=BUDGET_SPENT)
    assert sorted(e.object_agency_id for e in spent) == sorted([world.police.pk, world.levies.pk])
    assert all("withheld" not in e.additional_data for e in spent)
    told = [n for n in feed(client_for(world.police_admin)) if n["kind"] == "match_budget_spent"]
    assert [n["budget"] for n in told] == [2]


def test_probes_placed_first_cost_the_prober_its_own_budget(world, client_for, settings):
    # given: police places three probes where nothing is yet, with a budget of two
    settings.FUSION_MATCH_HINT_BUDGET = 2
    places = [(30.1837 + 0.2 * n, 67.0123) for n in range(3)]
    for place in places:
        post(client_for(world.police_submitter), at(place))
    assert not Match.objects.exists()
    # when: levies reports three incidents there; its writes find the hints
    for place in places:
        post(client_for(world.levies_submitter), at(place))
    # then: police was given two, not three, whoever's write found them
    assert len(hints(client_for(world.police_analyst))) == 2
    assert len(hints(client_for(world.levies_analyst))) == 2


def test_a_withheld_probe_tells_the_prober_nothing(world, client_for, settings):
    # given: police's one hint of the day is spent on a probe near a third agency's incident
    settings.FUSION_MATCH_HINT_BUDGET = 1
    third = factories.agency("third", "police")
    factories.incident(third, factories.member(third, "submitter"), **at())
    second = (30.3837, 67.0123)
    factories.incident(world.levies, world.levies_submitter, **at(second))
    post(client_for(world.police_submitter), at())
    admin = client_for(world.police_admin)

    def seen_by_police():
        audit = admin.get("/api/v1/audit/", {"page_size": 500}).json()["results"]
        entries = [e for e in audit if e["event"] != "audit.read"]
        return len(feed(admin)), len(entries), len(hints(client_for(world.police_analyst)))

    before = seen_by_police()
    # when: a far probe (no match), then a probe that matches beyond the budget
    post(client_for(world.police_submitter), at((26.0, 63.0)))
    after_far = seen_by_police()
    post(client_for(world.police_submitter), at(second))
    after_near = seen_by_police()
    # then: police's view grew by its own writes alike; the owner was told of the refusal
    assert after_near[0] - after_far[0] == after_far[0] - before[0]
    assert after_near[1] - after_far[1] == after_far[1] - before[1]
    assert after_near[2] == after_far[2] == before[2] == 1
    withheld = [
        n for n in feed(client_for(world.levies_admin)) if n["kind"] == "match_hint_withheld"
    ]
    assert [n["by_agency"] for n in withheld] == ["police"]


def test_two_hints_to_one_incident_are_not_linked_by_access_requests(world, client_for):
    # given: two police probes in two places, both matching one levies incident
    factories.incident(world.levies, world.levies_submitter, **at())
    post(client_for(world.police_submitter), at((HIDDEN[0] + 0.005, HIDDEN[1])))
    post(client_for(world.police_submitter), at((HIDDEN[0] - 0.005, HIDDEN[1])))
    first, second = Match.objects.order_by("pk")
    api = client_for(world.police_analyst)
    # when
    answers = [
        api.post("/api/v1/access-requests/", {"match": m.pk, "purpose": "same event?"},
                 format="json").status_code
        for m in (first, second)
    ]  # fmt: skip
    # then: each is a request of its own, as for hints of two incidents
    assert answers == [201, 201]


def test_a_withheld_hint_cannot_be_used_for_an_access_request(world, client_for, settings):
    # given
    settings.FUSION_MATCH_HINT_BUDGET = 0
    factories.incident(world.levies, world.levies_submitter, **at())
    post(client_for(world.police_submitter), at())
    [match] = Match.objects.all()
    # when
    response = client_for(world.police_analyst).post(
        "/api/v1/access-requests/", {"match": match.pk, "purpose": "same event?"}, format="json"
    )
    # then
    assert response.status_code == 404


def test_a_person_hint_confirms_a_record_is_held_and_is_logged_and_told(world, client_for):
    # given: levies holds a suspect by national id
    person = [{"role": "suspect", "full_name": "Levies Name", "national_id": NATIONAL_ID}]
    owned = factories.incident(
        world.levies, world.levies_submitter, persons=person, **at((25.0, 62.0))
    )
    # when: police posts the same national id elsewhere
    probe_person = [{"role": "victim", "full_name": "Police Name", "national_id": NATIONAL_ID}]
    post(client_for(world.police_submitter), {**at(), "persons": probe_person})
    # then
    [seen] = hints(client_for(world.police_analyst))
    assert (seen["kind"], seen["other_agency"], seen["score"]) == ("person", "levies", 1.0)
    [entry] = AuditEntry.objects.filter(event=PERSON_HINT)
    assert (entry.object_pk, entry.object_agency_id) == (str(owned.pk), world.levies.pk)
    assert entry.acting_agency_id == world.police.pk
    told = [n for n in feed(client_for(world.levies_admin)) if n["kind"] != "match"]
    assert [(n["kind"], n["incident"], n["by_agency"]) for n in told] == [
        ("person_match_confirmed", str(owned.pk), "police")
    ]
    assert NATIONAL_ID not in str(told)
    assert "Levies Name" not in str(seen)


def test_an_access_request_on_a_hint_whose_other_record_is_gone_is_a_conflict(world, client_for):
    # given
    owned = factories.incident(world.levies, world.levies_submitter, **at())
    post(client_for(world.police_submitter), at())
    [match] = Match.objects.all()
    client_for(world.levies_submitter).delete(f"/api/v1/incidents/{owned.pk}/")
    # when
    response = client_for(world.police_analyst).post(
        "/api/v1/access-requests/", {"match": match.pk, "purpose": "same event?"}, format="json"
    )
    # then
    assert response.status_code == 409
