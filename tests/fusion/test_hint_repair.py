"""A record keeps a usable hint: when the incident its only hint about another agency names
becomes TLP:RED or is deleted, it is given a hint with another matching record of that agency
(if one exists), and hints about RED incidents still appear to no one."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Q

from fusion.models import Match
from fusion.sharing.match_hints import hints_for, sides
from incidents.bulk import incident_upsert_batch
from incidents.services import incident_delete, incident_update
from tests import factories

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
# Matching cells are 0.02 degrees a side: latitude cells 0 to 3 below, longitude cells L, L+1.
LAT = {0: 30.201, 1: 30.221, 2: 30.241, 3: 30.261}
LON_L, LON_L1 = 67.011, 67.031


def _write(agency, by, lat: int, lon: float, **extra):
    return factories.incident(
        agency,
        by,
        latitude=LAT[lat],
        longitude=lon,
        occurred_at=AT,
        reported_at=AT + timedelta(hours=1),
        category="bombing-ied",
        tlp="GREEN",
        **extra,
    )


def _civdef_hints(incident, sb) -> set:
    """The civdef incidents `incident` (of sb) has a visible hint with."""
    seen = set()
    for match in hints_for([sb.pk]):
        for side in sides(match, {sb.pk}):
            if side.own_incident_id == incident.pk and side.other_agency_id != sb.pk:
                other = (
                    match.incident_b_id
                    if match.incident_a_id == incident.pk
                    else match.incident_a_id
                )
                seen.add(other)
    return seen


@pytest.fixture
def place():
    """sb's S2, S4, S5 are paired with civdef's C2 only; civdef's C1 and C3 match them too
    (one cell away), but were paired with sb's S1 and S3, which C2 does not reach."""
    sb, civdef = factories.agency("sb", "police"), factories.agency("civdef", "levies")
    sb_by, civdef_by = factories.member(sb, "submitter"), factories.member(civdef, "submitter")
    c2 = _write(civdef, civdef_by, 0, LON_L1)
    s2, s4, s5 = (_write(sb, sb_by, 1, LON_L1) for _ in range(3))
    s1, s3 = (_write(sb, sb_by, 3, LON_L) for _ in range(2))
    c1, c3 = (_write(civdef, civdef_by, 2, LON_L) for _ in range(2))
    for s in (s2, s4, s5):
        assert _civdef_hints(s, sb) == {c2.pk}
    assert _civdef_hints(s1, sb) | _civdef_hints(s3, sb) <= {c1.pk, c3.pk}
    return sb, civdef, civdef_by, (c1, c2, c3), (s2, s4, s5)


def _raise_single(c2, by, civdef) -> None:
    incident_update(actor=by, incident=c2, changes={"tlp": "RED"})


def _raise_bulk(c2, by, civdef) -> None:
    record = factories.record(
        external_ref=c2.external_ref,
        latitude=c2.latitude,
        longitude=c2.longitude,
        occurred_at=c2.occurred_at,
        reported_at=c2.reported_at,
        category=c2.category_id,
        tlp="RED",
    )
    incident_upsert_batch(actor=by, agency=civdef, records=[record])


def _delete(c2, by, civdef) -> None:
    incident_delete(actor=by, incident=c2, expected_version=None)


@pytest.mark.parametrize("change", [_raise_single, _raise_bulk, _delete])
def test_records_keep_a_hint_when_their_partner_leaves_matching(place, change):
    sb, civdef, civdef_by, (c1, c2, c3), (s2, s4, s5) = place
    # when: C2 is raised to TLP:RED, or deleted
    change(c2, civdef_by, civdef)
    # then: S2, S4 and S5 each still see a hint about civdef with a record it holds, C1 or
    # C3 (a hint with a deleted record stays, its side emptied, but no request can follow it)
    for s in (s2, s4, s5):
        usable = _civdef_hints(s, sb) - {None}
        assert usable, f"{s.external_ref} lost its hint about civdef"
        assert usable <= {c1.pk, c3.pk}
    # and: no hint about C2 appears to anyone, and no pair is stored twice
    assert (
        not hints_for([sb.pk, civdef.pk])
        .filter(Q(incident_a_id=c2.pk) | Q(incident_b_id=c2.pk))
        .exists()
    )
    keys = list(Match.objects.values_list("kind", "incident_a_id", "incident_b_id"))
    assert len(keys) == len(set(keys))


def test_a_later_write_pairs_every_record_whose_hint_is_with_a_red_incident():
    # given: sb's S2, S4, S5 paired with civdef's C2, its only record there, now TLP:RED
    sb, civdef = factories.agency("sb", "police"), factories.agency("civdef", "levies")
    sb_by, civdef_by = factories.member(sb, "submitter"), factories.member(civdef, "submitter")
    c2 = _write(civdef, civdef_by, 0, LON_L1)
    records = [_write(sb, sb_by, 1, LON_L1) for _ in range(3)]
    incident_update(actor=civdef_by, incident=c2, changes={"tlp": "RED"})
    assert not any(_civdef_hints(s, sb) for s in records)
    # when: civdef writes another record there
    c6 = _write(civdef, civdef_by, 1, LON_L1)
    # then: each of S2, S4, S5 is paired with it, not only the first
    for s in records:
        assert _civdef_hints(s, sb) == {c6.pk}, f"{s.external_ref} has no usable hint"


def test_person_hints_with_a_red_incident_are_replaced_too():
    # given: sb's three records name a national id civdef's C2 names; C2 is raised to RED
    person = {"role": "suspect", "full_name": "Same Person", "national_id": "54400-7654321-1"}
    sb, civdef = factories.agency("sb", "police"), factories.agency("civdef", "levies")
    sb_by, civdef_by = factories.member(sb, "submitter"), factories.member(civdef, "submitter")
    c2 = factories.incident(civdef, civdef_by, persons=[person], tlp="GREEN")
    records = [
        factories.incident(sb, sb_by, persons=[person], latitude=25.0 + k, tlp="GREEN")
        for k in range(3)
    ]
    incident_update(actor=civdef_by, incident=c2, changes={"tlp": "RED"})
    # when: civdef writes another record naming it, far away
    c6 = factories.incident(civdef, civdef_by, persons=[person], latitude=28.0, tlp="GREEN")
    # then: each of sb's records has a person hint with it
    for s in records:
        assert _civdef_hints(s, sb) == {c6.pk}, f"{s.external_ref} has no usable hint"
