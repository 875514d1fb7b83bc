"""Event matching on PostgreSQL finds, through its place-and-time index probe, exactly the
pairs `same_event` accepts among all stored incidents, of which it stores those `_select`
keeps (one hint per incident and other agency): checked against every pair, for incidents
placed on and around the index's and the matching rule's cell edges, at low and high
latitudes, over every TLP, some of them already with a hint. Matching without PostgreSQL
(SQLite) stores the same pairs."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fusion.choices import MatchKind
from fusion.models import Match
from fusion.sharing.matching import (
    MATCH_CELLS_PER_DEGREE,
    PLACE_CELLS_PER_DEGREE,
    Candidate,
    _event_matches_postgresql,
    _event_matches_python,
    _select,
    same_event,
)
from incidents.models import Category, Incident
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2025, 6, 1, tzinfo=UTC)
CELL = 1 / PLACE_CELLS_PER_DEGREE

RULE_CELL = 1 / MATCH_CELLS_PER_DEGREE
# an incident: (agency 0 or 1, latitude, longitude, minutes after START, category, TLP)
incidents = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.sampled_from([0.0, 30.0, 30.2, 61.0, 75.0, -33.9]).flatmap(
            lambda base: st.floats(base - 3 * CELL, base + 3 * CELL)
        ),
        st.sampled_from([66.95, 67.0, 120.0, -0.05]).flatmap(
            lambda base: st.floats(base - 2 * CELL, base + 2 * CELL)
        ),
        st.integers(0, 30 * 60),
        st.sampled_from(["robbery", "kidnapping", "bombing-ied"]),
        st.sampled_from(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]),
        st.booleans(),  # already has an event hint with the other agency
    ),
    min_size=2,
    max_size=40,
)


def stored_incident(owner, latitude, longitude, at, category, tlp="AMBER") -> Incident:
    fields = factories.record(
        latitude=latitude, longitude=longitude, occurred_at=at, reported_at=at, tlp=tlp
    )
    del fields["category"]
    return Incident(agency=owner, category_id=category, **fields)


def pairs(matches) -> set[tuple]:
    return {(m.incident_a_id, m.incident_b_id, m.score) for m in matches}


def on(spec: list[tuple]) -> list[tuple]:
    return [(*item, "AMBER", False) for item in spec]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=incidents)
# two rule cells apart, just inside the candidate box: never a match, must not crash
@example(
    spec=on([(0, 30.0, 67.0, 0, "robbery"), (1, 30.0 + 1.999 * RULE_CELL, 67.0, 0, "robbery")])
)
# neighbouring rule cells at their far edges, at 75°N
@example(
    spec=on([(0, 75.0, 67.0, 0, "robbery"), (1, 75.0 + 1.999 * RULE_CELL, 67.0, 0, "robbery")])
)
# on an index cell edge and just below it
@example(spec=on([(0, 30.05, 67.05, 0, "robbery"), (1, 30.0499999, 67.0499999, 60, "robbery")]))
# the smallest positive latitude: no float underflow in SQL
@example(spec=on([(0, 5e-324, 67.0, 0, "robbery"), (1, 0.0, 67.0, 0, "robbery")]))
# neighbouring time buckets at their far edges (six hours each)
@example(spec=on([(0, 30.0, 67.0, 0, "robbery"), (1, 30.0, 67.0, 12 * 60 - 1, "robbery")]))
# one new incident and three of the other agency's there, each with a hint already: the one
# pair stored is chosen by the same rule in SQL and in Python
@example(
    spec=[
        (0, 30.01, 67.01, 0, "robbery", "AMBER", False),
        *[(1, 30.011 + k / 1000, 67.011, 10 * k, "robbery", "AMBER", True) for k in range(3)],
    ]
)
# a new incident with a hint already: each other incident without one, near or next door, gets it
@example(
    spec=[
        (0, 30.01, 67.01, 0, "robbery", "AMBER", True),
        (1, 30.011, 67.011, 0, "robbery", "AMBER", False),
        (1, 30.031, 67.011, 0, "robbery", "AMBER", False),
        (1, 30.011, 67.031, 400, "robbery", "AMBER", True),
    ]
)
def test_probe_finds_exactly_the_pairs_same_event_accepts(spec, world):
    with transaction.atomic():
        owners = [world.police, world.levies]
        stored = Incident.objects.bulk_create(
            stored_incident(
                owners[owner], lat, lon, START + timedelta(minutes=minutes), category, tlp
            )
            for owner, lat, lon, minutes, category, tlp, _ in spec
        )
        hinted = {i.pk for i, item in zip(stored, spec, strict=True) if item[-1]}
        # a hint counts while its other side is a matchable record: one far away, per agency
        far = {
            i.agency_id: i
            for i in Incident.objects.bulk_create(
                stored_incident(owner, 10.0, 10.0, START, "robbery") for owner in owners
            )
        }
        Match.objects.bulk_create(
            Match(
                kind=MatchKind.EVENT,
                incident_a=i,
                agency_a_id=i.agency_id,
                incident_b=far[owners[i.agency_id == world.police.pk].pk],
                agency_b=owners[i.agency_id == world.police.pk],
                score=0.5,
            )
            for i in stored
            if i.pk in hinted
        )
        new = [i for i in stored if i.agency_id == world.police.pk]
        groups = dict(Category.objects.values_list("slug", "group"))
        expected = pairs(
            _select(
                [
                    Candidate(a, b, other_hinted=b.pk in hinted, new_hinted=a.pk in hinted)
                    for a in new
                    for b in stored
                    if same_event(a, b, groups)
                ],
                MatchKind.EVENT,
            )
        )
        assert pairs(_event_matches_postgresql(new)) == expected
        assert pairs(_event_matches_python(new)) == expected
        transaction.set_rollback(True)


def test_probe_uses_the_place_and_time_index(world):
    """The query repeats the index's expressions (incidents migration 0008): were they to
    drift apart, PostgreSQL could not probe the index and would scan by time alone. And it is
    not compiled (JIT): its cost is guessed high, and compiling takes longer than running."""
    from fusion.sharing import matching

    # given: incidents spread over a province and two years, with statistics
    rng = random.Random(3)
    Incident.objects.bulk_create(
        stored_incident(
            world.levies,
            rng.uniform(25, 31),
            rng.uniform(61, 70),
            START + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
            "robbery",
        )
        for _ in range(3000)
    )
    incident = stored_incident(world.police, 30.0, 67.0, START, "robbery")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
    incident.save()
    # when
    lines = matching._candidate_rows(matching._GIVEN, [[incident.pk]], explain=True)
    # then
    plan = "\n".join(line for (line,) in lines)
    assert "incident_place_time_idx" in plan, plan
    assert "JIT" not in plan, plan
