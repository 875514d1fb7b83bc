"""Dense places: incidents of three agencies in one matching cell and time bucket store match
hints (and audit entries about them) in proportion to the incidents, not to their pairs, and
every incident still learns that each other agency holding a record of its event does."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Q

from fusion.models import AuditEntry, Match
from fusion.sharing.match_hints import PERSON_HINT
from incidents.bulk import incident_upsert_batch
from tests import factories

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
PER_BATCH = 8
ROUNDS = 4


def dense_records(n: int, start: int) -> list[dict]:
    """Records spread inside one 1/50-degree cell and one six-hour bucket."""
    return [
        factories.record(
            latitude=30.2001 + 0.0003 * ((start + k) % 60),
            longitude=67.0101,
            occurred_at=AT + timedelta(minutes=(start + k) % 300),
            reported_at=AT + timedelta(hours=6),
            category="bombing-ied",
        )
        for k in range(n)
    ]


def other_agencies_hinted(incident_id, agency_id) -> set[int]:
    rows = Match.objects.filter(Q(incident_a_id=incident_id) | Q(incident_b_id=incident_id))
    return {a for pair in rows.values_list("agency_a_id", "agency_b_id") for a in pair} - {
        agency_id
    }


@pytest.mark.parametrize("budget", [1000, 5])
def test_hints_grow_linearly_with_incidents_in_one_cell(world, settings, budget):
    # given: three agencies, posting bulks in turn into one cell and bucket
    settings.FUSION_MATCH_HINT_BUDGET = budget
    third = factories.agency("third", "ctd")
    writers = [
        (world.police, world.police_submitter),
        (world.levies, world.levies_submitter),
        (third, factories.member(third, "submitter")),
    ]
    # when
    written = []
    for round_ in range(ROUNDS):
        for n, (agency, actor) in enumerate(writers):
            records = dense_records(PER_BATCH, (round_ * 3 + n) * PER_BATCH)
            result = incident_upsert_batch(actor=actor, agency=agency, records=records)
            written += [(incident_id, agency.pk) for incident_id in result.ids]
    # then: at most one hint per incident and other agency, and at most two entries each
    incidents = len(written)
    assert Match.objects.filter(kind="event").count() <= 2 * incidents
    about_matches = AuditEntry.objects.filter(event__startswith="match.").count()
    assert about_matches <= 2 * 2 * incidents + 3
    # and: each incident has a hint with both other agencies
    agencies = {a.pk for a, _ in writers}
    for incident_id, agency_id in written:
        assert other_agencies_hinted(incident_id, agency_id) == agencies - {agency_id}


def test_single_writes_into_a_dense_cell_add_at_most_one_hint_per_other_agency(world):
    # given: forty levies incidents in the cell
    incident_upsert_batch(
        actor=world.levies_submitter, agency=world.levies, records=dense_records(40, 0)
    )
    factories.incident(world.police, world.police_submitter, **dense_records(1, 3)[0])
    before = Match.objects.count()
    # when: one more police incident there
    factories.incident(world.police, world.police_submitter, **dense_records(1, 7)[0])
    # then
    assert Match.objects.count() - before == 1


def test_one_national_id_in_many_records_adds_one_person_hint_per_write(world):
    # given: thirty levies records naming one national id, and one police record naming it
    person = {"role": "suspect", "full_name": "Same Person", "national_id": "54400-7654321-1"}
    levies = [factories.record(persons=[person], latitude=25.0 + k / 10) for k in range(30)]
    incident_upsert_batch(actor=world.levies_submitter, agency=world.levies, records=levies)
    factories.incident(world.police, world.police_submitter, persons=[person])
    rows = Match.objects.filter(kind="person").count()
    told = AuditEntry.objects.filter(event=PERSON_HINT).count()
    # when: police names it again
    factories.incident(world.police, world.police_submitter, persons=[person], latitude=26.0)
    # then: one more hint, and one more entry telling the levies of it
    assert Match.objects.filter(kind="person").count() - rows == 1
    assert AuditEntry.objects.filter(event=PERSON_HINT).count() - told == 1
