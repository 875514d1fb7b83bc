"""Atomic bulk upsert of incidents: the same rules as single writes, in set-based queries.

A record whose external_ref exists merges into the stored incident: the fields it carries
replace the stored ones, the others keep their values (defaults apply on create only; see
incidents.services). One batch is validated whole (every bad record reported by index) and
checked for copies of other agencies' incidents (incidents.provenance) before anything is
written; then, in one transaction: existing rows of the batch are locked in external_ref
order, all rows are upserted with INSERT … ON CONFLICT (agency, external_ref) DO UPDATE in
that same order (so two overlapping batches cannot deadlock), persons are replaced and
encrypted, one audit entry per created or updated incident (and person) is written in bulk,
shares are kept lawful, agreements applied and matches looked for — a fixed number of queries
per batch, never one per record. A record that would store exactly what is stored (its
fields after the merge, and the persons it sends, compared in plaintext) is left out of all
of that: its incident keeps its version, ETag and updated_at, and it is counted `unchanged`.
On PostgreSQL each of those steps is one statement over a staged copy of the batch
(incidents.bulk_staged); elsewhere (SQLite for a demo) they run over model instances with the
services single writes use.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Agency, User
from fusion import audit
from fusion.errors import Conflict, Invalid
from fusion.pg_copy import is_postgresql
from incidents import bulk_staged
from incidents.models import Incident, Person
from incidents.provenance import claim_of, refuse_copies
from incidents.recognition import carry_over
from incidents.rules import record_errors, record_fingerprint, settle_district
from incidents.services import (
    DEFAULTS,
    after_write,
    current_record,
    is_lowered,
    is_protected,
    log_tlp_lowered,
    new_person,
    require_writer,
    same_persons,
    same_values,
    stored_person_key,
)

CHUNK = 1000
COLUMNS = [
    "id", "agency_id", "external_ref", "occurred_at", "reported_at", "category", "severity",
    "killed", "injured", "latitude", "longitude", "location_precision", "district",
    "description", "tlp", "contexts", "status", "fingerprint", "version", "created_by_id",
    "created_at", "updated_at",
]  # fmt: skip
UPDATED_ON_CONFLICT = [
    c
    for c in COLUMNS
    if c not in ("id", "agency_id", "external_ref", "version", "created_by_id", "created_at")
]


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: counts, and the id and status (`CREATED`, `UPDATED`, `UNCHANGED`:
    the record would have stored what was stored, so nothing was written) of each record in
    input order."""

    created: int
    updated: int
    ids: list[UUID]
    unchanged: int = 0
    statuses: tuple[str, ...] = ()

    @classmethod
    def of(cls, ids: list[UUID], statuses: Sequence[str]) -> "BatchResult":
        return cls(
            created=statuses.count(CREATED),
            updated=statuses.count(UPDATED),
            ids=ids,
            unchanged=statuses.count(UNCHANGED),
            statuses=tuple(statuses),
        )


def batch_errors(
    records: Sequence[Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]] | None = None,
    kept_persons: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Domain-rule errors of every record by index, and duplicate references in the batch.

    `stored` (external_ref → stored values of existing incidents) is what a record merges
    into; without it each record is checked as if it created its incident. `kept_persons`
    (external_ref → persons stored with the incident, see `persons_kept`) are checked
    against the contexts of a record that keeps them."""
    now = timezone.now()
    stored = stored or {}
    kept_persons = kept_persons or {}
    errors: dict[str, Any] = {}
    first_seen: dict[str, int] = {}
    for index, record in enumerate(records):
        ref = record.get("external_ref")
        found = record_errors(
            effective(record, stored.get(ref), now),
            now=now,
            stored_persons=kept_persons.get(ref, ()),
        )
        if not ref:
            found["external_ref"] = ["Required in bulk: records are upserted by it."]
        elif ref in first_seen:
            found["external_ref"] = [f"Duplicate of record {first_seen[ref]} in this batch."]
        else:
            first_seen[ref] = index
        if found:
            errors[str(index)] = found
    return errors


def effective(
    record: Mapping[str, Any], stored: Mapping[str, Any] | None, now: Any
) -> dict[str, Any]:
    """The record as it is to be stored: merged into the stored values of its incident (a
    re-post keeps what it does not carry) or, for a new incident, into the defaults."""
    return {**DEFAULTS, "reported_at": now, **(stored or {}), **record}


def _row(record: Mapping[str, Any], agency: Agency, actor: User, now: Any) -> dict[str, Any]:
    return {
        **record,
        "id": uuid.uuid4(),
        "agency_id": agency.pk,
        "version": 1,
        "created_by_id": actor.pk,
        "created_at": now,
        "updated_at": now,
    }


def _conflict_clause(table: str) -> str:
    q = connection.ops.quote_name
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in UPDATED_ON_CONFLICT)
    return (
        f"ON CONFLICT ({q('agency_id')}, {q('external_ref')}) DO UPDATE SET {updates}, "
        f"{q('version')} = {table}.{q('version')} + 1 "
        f"RETURNING {q('id')}, {q('external_ref')}, {q('version')}"
    )


def _upsert_values(rows: list[dict[str, Any]]) -> list[tuple]:
    """Multi-row INSERT … VALUES … ON CONFLICT, in chunks (databases other than PostgreSQL)."""
    q = connection.ops.quote_name
    table = q(Incident._meta.db_table)
    fields = {f.column: f for f in Incident._meta.concrete_fields}
    placeholders = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    result = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = [fields[c].get_db_prep_save(r[c], connection) for r in chunk for c in COLUMNS]
        sql = (
            f"INSERT INTO {table} ({', '.join(q(c) for c in COLUMNS)}) "  # noqa: S608
            f"VALUES {', '.join([placeholders] * len(chunk))} {_conflict_clause(table)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result.extend(cursor.fetchall())
    return result


def _upsert_rows(
    records: list[Mapping[str, Any]], agency: Agency, actor: User, before: dict[str, Incident]
) -> dict[str, Incident]:
    """external_ref → the incident as stored, for every record, upserted in external_ref order.

    The instances are built from what was written (no read back): the database returns the
    id and version; rows that existed keep their creator and creation time."""
    now = timezone.now()
    rows = {r["external_ref"]: _row(r, agency, actor, now) for r in records}
    id_field = Incident._meta.pk
    stored = {}
    for pk, ref, version in _upsert_values(list(rows.values())):
        values = {c: rows[ref][c] for c in COLUMNS}
        values.update(
            id=id_field.to_python(pk), version=version, category_id=values.pop("category")
        )
        if ref in before:
            values.update(
                created_by_id=before[ref].created_by_id, created_at=before[ref].created_at
            )
        stored[ref] = Incident(**values)
    return stored


def _replace_persons(
    actor: User, incidents: dict[str, Incident], records: list[Mapping[str, Any]]
) -> None:
    """Replace the persons of the records that send them; one from facial recognition sent as
    stored keeps its id and confirmation (incidents.recognition.carry_over)."""
    with_persons = [r for r in records if "persons" in r]
    if not with_persons:
        return
    targets = [incidents[r["external_ref"]].pk for r in with_persons]
    old = list(Person.objects.filter(incident_id__in=targets).select_related("incident"))
    Person.objects.filter(pk__in=[p.pk for p in old]).delete()
    new = [
        new_person(incidents[r["external_ref"]], p, recorded_by=actor)
        for r in with_persons
        for p in r["persons"]
    ]
    carry_over(old, new, key=stored_person_key)
    Person.objects.bulk_create(new, batch_size=CHUNK)
    audit.log_bulk([*((p, None) for p in old), *((None, p) for p in new)], event="bulk_upsert")


@transaction.atomic
def incident_upsert_batch(
    *, actor: User, agency: Agency, records: Sequence[Mapping[str, Any]]
) -> BatchResult:
    """Upsert a batch of validated records for `agency`, all or nothing.

    Actor: a submitter or admin of `agency`. A record re-posting an existing external_ref
    merges into it; a lowered TLP is audited (`incident.tlp_lowered`). Raises NotAllowed;
    Invalid with errors `{"incidents": {index: {field: [messages]}}}` when any record is bad
    (nothing written); Copied (409, the same shape) when records copy incidents of other
    agencies the actor sees;
    Conflict (retryable) when a concurrent batch deadlocks with this one.
    """
    require_writer(actor, agency)
    try:
        with transaction.atomic(), audit.acting_for(actor, agency.pk):
            return _write(actor, agency, list(records))
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001"):
            raise Conflict("A concurrent batch touched the same incidents; retry.") from exc
        raise


def incident_upsert_plan(
    *,
    actor: User,
    agency: Agency,
    records: Sequence[Mapping[str, Any]],
    earlier: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[BatchResult, dict[str, dict[str, Any]]]:
    """What `incident_upsert_batch` would do with these records, writing nothing and locking
    nothing: the same checks and errors (NotAllowed, Invalid, Copied), and the status each
    record would have (ids of the incidents that exist; None for those it would create).

    `earlier` (external_ref → a complete record that an earlier plan of the same run would
    have stored, as returned here) stands for what is stored, so that a run planned in
    several batches counts as it would import. Returns the result and, by external_ref, the
    complete records that would be written (created or updated)."""
    require_writer(actor, agency)
    records = list(records)
    refs = sorted({r["external_ref"] for r in records if r.get("external_ref")})
    found = Incident.objects.filter(agency=agency, external_ref__in=refs)
    ids: dict[str, UUID | None] = {i.external_ref: i.pk for i in found}
    stored = {i.external_ref: {**current_record(i), "fingerprint": i.fingerprint} for i in found}
    earlier = earlier or {}
    for ref in set(refs) & set(earlier):
        stored[ref] = {k: v for k, v in earlier[ref].items() if k != "persons"}
        ids.setdefault(ref, None)
    ordered = _checked(actor, agency, records, stored)

    def persons(asked: list[str]) -> dict[str, list[Person]]:
        kept = stored_persons(agency, asked)
        for ref in asked:
            if "persons" in earlier.get(ref, {}):
                kept[ref] = [new_person(Incident(), p) for p in earlier[ref]["persons"]]
        return kept

    same = unchanged_refs(ordered, stored, persons)
    statuses = [
        UNCHANGED if ref in same else UPDATED if ref in stored else CREATED
        for ref in (r["external_ref"] for r in records)
    ]
    written = {r["external_ref"]: r for r in ordered if r["external_ref"] not in same}
    result = BatchResult.of([ids.get(r["external_ref"]) for r in records], statuses)
    return result, written


def _lock_existing(agency: Agency, records: list[Mapping[str, Any]]) -> dict[str, Incident]:
    refs = sorted({r["external_ref"] for r in records if r.get("external_ref")})
    rows = Incident.objects.select_for_update().filter(agency=agency, external_ref__in=refs)
    return {i.external_ref: i for i in rows.order_by("external_ref")}


def persons_kept(
    agency: Agency, records: list[Mapping[str, Any]], stored: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """external_ref → the stored persons (source, legal basis) of each incident that a record
    gives a protected context while keeping its persons (it carries none): the rules of the
    context apply to them. One query, only when some record does so."""
    refs = [
        r["external_ref"]
        for r in records
        if "persons" not in r
        and r.get("external_ref") in stored
        and is_protected({**stored[r["external_ref"]], **r})
    ]
    if not refs:
        return {}
    persons: dict[str, list[dict[str, Any]]] = {}
    rows = Person.objects.filter(incident__agency=agency, incident__external_ref__in=refs)
    for ref, source, legal_basis in rows.values_list(
        "incident__external_ref", "source", "legal_basis"
    ):
        persons.setdefault(ref, []).append({"source": source, "legal_basis": legal_basis})
    return persons


def _validated(
    agency: Agency, records: list[Mapping[str, Any]], stored: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The records as they are to be stored (see `effective`), with their fingerprints, in
    input order; raises Invalid naming every bad record by index (nothing is written)."""
    errors = batch_errors(records, stored, persons_kept(agency, records, stored))
    if errors:
        raise Invalid(
            f"{len(errors)} of {len(records)} records are invalid; none was stored.",
            errors={"incidents": errors},
        )
    now = timezone.now()
    full = [effective(r, stored.get(r["external_ref"]), now) for r in records]
    for record in full:
        settle_district(record)
        record["fingerprint"] = record_fingerprint(record)
    return full


def _checked(
    actor: User,
    agency: Agency,
    records: list[Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """`_validated`, then the copy check of what each record newly stores (its reference on
    create; its content on create or when its fingerprint differs from the stored one):
    raises Copied naming the records by index. Sorted in external_ref order, the order rows
    are written in."""
    full = _validated(agency, records, stored)
    claims = []
    for record in full:
        kept = stored.get(record["external_ref"])
        claims.append(
            claim_of(
                record,
                external_ref=None if kept else record["external_ref"],
                content=not kept or kept.get("fingerprint") != record["fingerprint"],
            )
        )
    refuse_copies(actor, agency.pk, claims)
    return sorted(full, key=lambda r: r["external_ref"])


def _lowered(
    ordered: list[Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]],
    ids: Mapping[str, UUID],
    agency: Agency,
) -> list[tuple[Incident, str]]:
    """(incident as written, TLP it had) for each record that lowered its incident's TLP."""
    return [
        (
            Incident(id=ids[r["external_ref"]], agency_id=agency.pk, external_ref=r["external_ref"],
                     tlp=r["tlp"]),
            stored[r["external_ref"]]["tlp"],
        )
        for r in ordered
        if r["external_ref"] in stored and is_lowered(stored[r["external_ref"]]["tlp"], r["tlp"])
    ]  # fmt: skip


def unchanged_refs(
    ordered: Sequence[Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]],
    persons: Callable[[list[str]], Mapping[str, list[Person]]],
) -> set[str]:
    """The references whose complete record (`_checked`) stores exactly the `stored` values
    (`current_record` and fingerprint of every existing incident) and, when it sends persons,
    the persons stored (`persons`: references → their stored persons, asked once)."""
    same = [r for r in ordered if r["external_ref"] in stored]
    same = [r for r in same if same_values(stored[r["external_ref"]], r)]
    sending = [r["external_ref"] for r in same if "persons" in r]
    kept = persons(sending) if sending else {}
    return {
        r["external_ref"]
        for r in same
        if "persons" not in r or same_persons(kept.get(r["external_ref"], ()), r["persons"])
    }


def stored_persons(agency: Agency, refs: list[str]) -> dict[str, list[Person]]:
    """external_ref → the stored persons of the agency's incidents with these references."""
    found: dict[str, list[Person]] = {}
    rows = Person.objects.filter(incident__agency=agency, incident__external_ref__in=refs)
    for person in rows.annotate(ref=F("incident__external_ref")):
        found.setdefault(person.ref, []).append(person)
    return found


def _write(actor: User, agency: Agency, records: list[Mapping[str, Any]]) -> BatchResult:
    if is_postgresql():
        return _write_staged(actor, agency, records)
    before = _lock_existing(agency, records)
    stored = {ref: {**current_record(i), "fingerprint": i.fingerprint} for ref, i in before.items()}
    ordered = _checked(actor, agency, records, stored)
    same = unchanged_refs(ordered, stored, partial(stored_persons, agency))
    ordered = [r for r in ordered if r["external_ref"] not in same]
    incidents = _upsert_rows(ordered, agency, actor, before) if ordered else {}
    created = [i for i in incidents.values() if i.version == 1]
    updated = [i for i in incidents.values() if i.version > 1]
    audit.log_bulk(
        [*((None, i) for i in created), *((before.get(i.external_ref), i) for i in updated)],
        event="bulk_upsert",
        object_agency_id=agency.pk,
    )
    log_tlp_lowered(_lowered(ordered, stored, {r: i.pk for r, i in incidents.items()}, agency))
    _replace_persons(actor, incidents, ordered)
    if incidents:
        after_write(list(incidents.values()))
    written = {ref: UPDATED if i.version > 1 else CREATED for ref, i in incidents.items()}
    ids = {**{ref: before[ref].pk for ref in same}, **{r: i.pk for r, i in incidents.items()}}
    refs = [r["external_ref"] for r in records]
    return BatchResult.of([ids[r] for r in refs], [written.get(r, UNCHANGED) for r in refs])


def _write_staged(actor: User, agency: Agency, records: list[Mapping[str, Any]]) -> BatchResult:
    """PostgreSQL: the same steps as set-based statements over a staged copy of the batch.
    What a record does not carry is taken from the stored row in SQL (bulk_staged.upsert);
    Python reads of the stored rows only what the rules, the fingerprint and the TLP need."""
    refs = [r["external_ref"] for r in records if r.get("external_ref")]
    bare = [r["external_ref"] for r in records if "description" not in r and r.get("external_ref")]
    stored = bulk_staged.lock_existing(agency, refs, with_description=bare)
    ordered = _checked(actor, agency, records, stored)
    # The district is always written: the rules settle it (canonical name, or the one the
    # point lies in) from the record merged with the stored district.
    sent = {r["external_ref"]: frozenset(r) | {"district"} for r in records}
    written, updated, same = bulk_staged.upsert(
        actor, agency, ordered, stored, sent, partial(stored_persons, agency)
    )
    ids = {**same, **written}
    log_tlp_lowered(_lowered(ordered, stored, ids, agency))
    owners = {
        r["external_ref"]: bulk_staged.light(r, ids[r["external_ref"]], agency)
        for r in ordered
        if "persons" in r and r["external_ref"] in written
    }
    _replace_persons(actor, owners, [r for r in ordered if r["external_ref"] in written])
    if written:
        bulk_staged.after_upsert(agency, list(written.values()), updated, list(owners.values()))
    changed = set(updated)
    refs = [r["external_ref"] for r in records]
    statuses = [UNCHANGED if r in same else UPDATED if ids[r] in changed else CREATED for r in refs]
    return BatchResult.of([ids[r] for r in refs], statuses)
