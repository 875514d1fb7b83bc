"""Retention runs: a dry run counts and changes nothing; applying it anonymises exactly the
persons past their period and not held, audits counts only, and never touches earlier audit
entries."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from fusion.audit.chain import verify
from fusion.models import AuditEntry, LegalHold, RetentionCount, RetentionRun
from fusion.retention.floor import retention_settings_check
from fusion.retention.holds import legal_hold_place
from fusion.retention.policies import retention_policy_set
from fusion.retention.runs import (
    ANONYMISED,
    RUN,
    due_dry_run,
    retention_apply,
    retention_dry_run,
    retention_scheduled,
)
from incidents.models import Incident, Person
from tests import factories
from tests.scans import without_random

pytestmark = pytest.mark.django_db

OLD = datetime(2020, 3, 1, 8, tzinfo=UTC)  # past the five-year default in 2026
RECENT = datetime(2025, 6, 1, 8, tzinfo=UTC)  # within it
PERSONS = [
    {"role": "victim", "full_name": "Retention Victim", "national_id": "35202-1111111-1",
     "phone": "0300-5550001", "notes": "lives by the old bazaar"},
    {"role": "witness", "full_name": "Retention Witness", "national_id": "35202-2222222-2"},
]  # fmt: skip
IDENTIFYING = ("full_name", "national_id", "national_id_index", "phone", "notes")


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.FUSION_RETENTION_DEFAULT_DAYS = 1826
    settings.FUSION_RETENTION_NOTICE_HOURS = 20


def reported(world, when, agency=None, **overrides):
    agency = agency or world.police
    by = world.police_submitter if agency == world.police else world.levies_submitter
    return factories.incident(
        agency, by, occurred_at=when, reported_at=when + timedelta(hours=1), persons=PERSONS,
        **overrides,
    )  # fmt: skip


def identifying(incident):
    return [
        tuple(getattr(p, f) for f in IDENTIFYING)
        for p in Person.objects.filter(incident=incident).order_by("role")
    ]


def is_anonymised(incident):
    rows = identifying(incident)
    return bool(rows) and all(value is None for row in rows for value in row)


def person_state():
    """Every person row's stored columns (ciphertext as stored) and every incident version."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(p.* AS TEXT) FROM incidents_person p ORDER BY id")
        persons = [row[0] for row in cursor.fetchall()]
    versions = dict(Incident.objects.values_list("pk", "version"))
    return persons, versions


@pytest.fixture
def estate(world):
    """Police: an old incident, an old held one, a recent one; levies: an old incident of a
    category whose period levies lengthened to 10 years."""
    old = reported(world, OLD)
    held = reported(world, OLD + timedelta(days=1))
    recent = reported(world, RECENT)
    levies_old = reported(world, OLD, agency=world.levies, category="robbery")
    retention_policy_set(
        actor=world.levies_admin, agency=world.levies, category_slug="robbery", days=3650
    )
    legal_hold_place(
        actor=world.police_admin, agency=world.police, incident_id=held.pk,
        reason="court case 2024/117",
    )  # fmt: skip
    return {"old": old, "held": held, "recent": recent, "levies_old": levies_old}


def test_a_dry_run_counts_and_changes_nothing(world, estate):
    # given
    before = person_state()
    entries = AuditEntry.objects.count()
    # when
    run = retention_dry_run()
    # then
    assert person_state() == before
    assert AuditEntry.objects.count() == entries
    assert (run.dry_run, run.status, run.persons, run.incidents, run.held) == (
        True, "done", 2, 1, 2,
    )  # fmt: skip
    [count] = RetentionCount.objects.filter(run=run)
    assert (count.agency, count.category_id, count.persons, count.held) == (
        world.police, "armed-assault", 2, 2,
    )  # fmt: skip
    assert count.cutoff == run.started_at - timedelta(days=1826)


def test_applying_anonymises_exactly_the_expired_unheld_persons(world, estate):
    # given
    dry_run = retention_dry_run()
    kept = {name: identifying(estate[name]) for name in ("held", "recent", "levies_old")}
    versions = dict(Incident.objects.values_list("pk", "version"))
    incidents = Incident.objects.count()
    # when
    run = retention_apply(dry_run=dry_run)
    # then: the old unheld incident's persons are emptied, rows and role kept
    assert is_anonymised(estate["old"])
    assert sorted(Person.objects.filter(incident=estate["old"]).values_list("role", flat=True)) == [
        "victim", "witness",
    ]  # fmt: skip
    assert {name: identifying(estate[name]) for name in kept} == kept
    assert Person.objects.filter(national_id_index__isnull=False).count() == 6
    assert Incident.objects.count() == incidents
    old = Incident.objects.get(pk=estate["old"].pk)
    assert old.version == versions[old.pk] + 1
    assert old.category_id == "armed-assault"
    assert old.severity == estate["old"].severity
    assert all(
        version == versions[pk]
        for pk, version in Incident.objects.exclude(pk=old.pk).values_list("pk", "version")
    )
    assert (run.status, run.persons, run.incidents, run.applies) == ("done", 2, 1, dry_run)
    # and: one entry for the incident, one with the counts; no person named
    [entry] = AuditEntry.objects.filter(event=ANONYMISED)
    assert (entry.object_pk, entry.changes) == (str(old.pk), {"version": ["1", "2"]})
    assert entry.object_agency == world.police
    assert entry.actor is None
    [summary] = AuditEntry.objects.filter(event=RUN)
    assert summary.additional_data["counts"] == [
        {"agency": "police", "category": "armed-assault", "persons": 2, "incidents": 1}
    ]
    assert summary.additional_data["persons"] == 2


def test_a_second_run_changes_nothing(world, estate):
    # given
    retention_apply(dry_run=retention_dry_run())
    before = person_state()
    # when
    again = retention_apply(dry_run=retention_dry_run())
    # then
    assert (again.persons, again.incidents) == (0, 0)
    assert person_state() == before
    assert AuditEntry.objects.filter(event=ANONYMISED).count() == 1


def test_a_hold_or_a_longer_period_set_after_the_dry_run_is_honoured(world, estate):
    # given: the dry run counted the old incident; then it is held, and a second old incident
    # of another category is counted and then given a longer period
    other = reported(world, OLD, category="robbery")
    dry_run = retention_dry_run()
    assert dry_run.persons == 4
    legal_hold_place(
        actor=world.police_admin, agency=world.police, incident_id=estate["old"].pk,
        reason="new appeal filed",
    )  # fmt: skip
    retention_policy_set(
        actor=world.police_admin, agency=world.police, category_slug="robbery", days=3650
    )
    before = person_state()
    # when
    run = retention_apply(dry_run=dry_run)
    # then
    assert (run.persons, run.incidents) == (0, 0)
    assert person_state() == before
    assert not is_anonymised(other)


def test_applying_does_no_more_than_the_dry_run_counted(world, estate):
    # given: a dry run, then a shorter period makes the recent incident expire
    dry_run = retention_dry_run()
    retention_policy_set(
        actor=world.police_admin, agency=world.police, category_slug="armed-assault", days=30
    )
    # when
    run = retention_apply(dry_run=dry_run)
    # then: only what was counted; the next dry run counts the recent one
    assert run.persons == 2
    assert not is_anonymised(estate["recent"])
    assert retention_dry_run().persons == 2


def test_the_schedule_applies_a_dry_run_only_after_its_notice(world, estate):
    # given: the first pass only counts
    applied, first = retention_scheduled()
    assert applied is None
    assert not is_anonymised(estate["old"])
    # when: the next day
    RetentionRun.objects.filter(pk=first.pk).update(
        started_at=first.started_at - timedelta(hours=21)
    )
    applied, second = retention_scheduled()
    # then
    assert applied.applies == first
    assert applied.persons == 2
    assert is_anonymised(estate["old"])
    assert due_dry_run() is None  # the new dry run waits its own notice
    assert second.dry_run
    assert second.persons == 0


def test_a_failed_batch_is_recorded_on_the_run_and_rolled_back(world, estate):
    # given: the database refuses every change of a person
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_person() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'persons are read-only today'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_person BEFORE UPDATE ON incidents_person "
            "FOR EACH ROW EXECUTE FUNCTION refuse_person()"
        )
    dry_run = retention_dry_run()
    before = person_state()
    # when
    with pytest.raises(DatabaseError):
        retention_apply(dry_run=dry_run)
    # then
    run = RetentionRun.objects.get(applies=dry_run)
    assert run.status == "failed"
    assert "read-only today" in run.error
    assert person_state() == before
    [summary] = AuditEntry.objects.filter(event=RUN)
    assert summary.outcome == "failure"
    assert summary.additional_data["persons"] == 0
    assert not AuditEntry.objects.filter(event=ANONYMISED).exists()


def test_the_command_counts_with_dry_run_and_applies_without(world, estate):
    # given
    before = person_state()
    out = StringIO()
    # when
    call_command("retention_run", "--dry-run", stdout=out)
    # then
    assert person_state() == before
    assert "2 persons on 1 incidents (2 more kept by legal holds)" in out.getvalue()
    assert "police armed-assault: 2 persons, 1 incidents, 2 held" in out.getvalue()
    # when
    out = StringIO()
    call_command("retention_run", "--batch-size", "1", stdout=out)
    # then
    assert is_anonymised(estate["old"])
    assert "anonymising [" in out.getvalue()
    assert "run" in out.getvalue()
    assert RetentionRun.objects.filter(dry_run=False, component="command").count() == 1


def test_the_retention_worker_leaves_every_earlier_audit_entry_as_it_was(world, estate):
    # given
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, CAST(t.* AS TEXT) FROM fusion_auditentry t ORDER BY id")
        earlier = cursor.fetchall()
    # when
    retention_scheduled()
    retention_apply(dry_run=retention_dry_run())
    # then
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, CAST(t.* AS TEXT) FROM fusion_auditentry t WHERE id <= %s ORDER BY id",
            [earlier[-1][0]],
        )
        assert cursor.fetchall() == earlier
    assert verify().ok


NAME, NATIONAL_ID, PHONE = "Zarmina Achakzai", "54400-9876543-2", "0333-7771234"


def fragments(value: str) -> set[str]:
    return {value[i : i + 5] for i in range(len(value) - 4)}


def strings_of(value: object) -> list[str]:
    """Every string in a JSON value, nested ones included."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_of(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return [value] if isinstance(value, str) else []


def audit_text() -> str:
    """Every string the audit rows hold (each row read as JSON; numbers such as ids are not
    text), less the values random by construction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(t) FROM fusion_auditentry t")
        rows = [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in cursor]
    return without_random("\n".join(s for row in rows for s in strings_of(row)))


def test_audit_rows_never_hold_a_person_in_clear(world, client_for):
    # given: persons created, changed and re-posted in bulk through the API, then anonymised
    client = client_for(world.police_submitter)
    person = {"role": "suspect", "full_name": NAME, "national_id": NATIONAL_ID, "phone": PHONE}
    body = factories.payload(
        occurred_at=OLD.isoformat(), reported_at=OLD.isoformat(), persons=[person]
    )
    created = client.post("/api/v1/incidents/", body, format="json")
    url = f"/api/v1/incidents/{created.json()['id']}/"
    client.patch(url, {"persons": [{**person, "phone": PHONE[::-1]}]}, format="json")
    client.post("/api/v1/incidents/bulk/", {"incidents": [body]}, format="json")
    client_for(world.police_analyst).get(url, {"include": "persons", "purpose": "scan test"})
    client.get("/api/v1/persons/search/", {"national_id": NATIONAL_ID, "purpose": "scan test"})
    retention_apply(dry_run=retention_dry_run())
    # when
    text = audit_text()
    # then
    assert "police" in text  # (the rows' strings are read)
    person_type = ContentType.objects.get_for_model(Person)
    assert AuditEntry.objects.filter(content_type=person_type).count() >= 3
    assert AuditEntry.objects.filter(event=ANONYMISED).count() == 1
    for secret in (NAME, NATIONAL_ID, PHONE, PHONE[::-1]):
        leaked = [f for f in fragments(secret) if f in text]
        assert not leaked, leaked


def test_the_audit_minimum_cannot_be_set_under_six_months(settings):
    settings.FUSION_AUDIT_MIN_RETENTION_DAYS = 182
    assert [e.id for e in retention_settings_check()] == ["fusion.E030"]
    settings.FUSION_AUDIT_MIN_RETENTION_DAYS = 365
    assert retention_settings_check() == []


def test_auditlog_flush_cannot_delete_entries_younger_than_the_minimum(world, estate):
    # given: entries from today, far younger than the minimum
    count = AuditEntry.objects.count()
    assert count > 0
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    # when / then: flushing them, all or before a date, is refused by the database
    for args in (["--yes"], ["--yes", "--before-date", tomorrow]):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            call_command("auditlogflush", *args, stdout=StringIO())
    assert AuditEntry.objects.count() == count
    assert LegalHold.objects.count() == 1
