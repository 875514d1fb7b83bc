"""The bulk upsert on PostgreSQL, staged: the batch is copied into a temporary table once, and
every write that follows is one statement over it — the upsert (which merges: a column a
record did not carry keeps its stored value, told apart by a per-row mask of the columns
sent), one audit entry per incident,
agreement shares with their audit entries and permission rows, and match hints. Python builds
none of those rows; it writes the COPY (and persons, whose fields it encrypts). A staged row
that would store exactly what is stored is taken out of the stage before the upsert, so none
of those statements touches it (`_unchanged`).

The caller (incidents.bulk) holds the transaction, validates the batch and maps errors; the
temporary tables live in that transaction and are dropped at its end.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from django.db import connection
from django.utils import timezone

from agencies.models import Agency, User
from fusion import audit
from fusion.errors import Conflict
from fusion.plan_shapes import id_array
from incidents import ingest_hooks
from incidents.models import Incident
from incidents.services import same_persons

OLD, STAGE, DONE = "bulk_old", "bulk_stage", "bulk_done"
# The columns a record sets; the rest (id, agency, version, creator, times) the upsert sets.
STAGED = [
    "external_ref", "occurred_at", "reported_at", "category", "severity", "killed", "injured",
    "latitude", "longitude", "location_precision", "district", "description", "tlp", "contexts",
    "status", "fingerprint",
]  # fmt: skip
# The columns a record may leave out, each with its bit in the staged `sent` mask: an update
# keeps the stored value of a column whose bit is 0. A mask, not NULL for "absent": "", [] and
# NULL (a count sent as unknown) are values a client sends. (reported_at left out is filled
# from the stored row in Python; the fingerprint is computed from the record as it will be.)
SENT_BITS = {
    name: 1 << n
    for n, name in enumerate(["killed", "injured", "district", "description", "tlp", "contexts",
                              "status", "location_precision"])
}  # fmt: skip
WRITTEN = [*STAGED, "updated_at"]
INCIDENT_REPR = "n.agency_id::text || ':' || coalesce(n.external_ref, n.id::text)"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def lock_existing(
    agency: Agency, refs: Sequence[str], *, with_description: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Lock the agency's incidents with these references, in reference order (so overlapping
    batches cannot deadlock), and keep them as they are in a temporary table for the audit
    diff and for the fields a record does not carry. Returns external_ref → the stored values
    the rules, the copy check and the TLP audit read in Python (reported_at, contexts, tlp,
    fingerprint, district, location_precision; description for the references in
    `with_description`, whose records do not carry one and whose fingerprint is made with the
    stored text)."""
    table = _q(Incident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {OLD}, {STAGE}, {DONE}")
        cursor.execute(
            f"CREATE TEMP TABLE {OLD} ON COMMIT DROP AS SELECT * FROM {table} "  # noqa: S608
            "WHERE agency_id = %s AND external_ref = ANY(%s) ORDER BY external_ref FOR UPDATE",
            [agency.pk, sorted(set(refs))],
        )
        cursor.execute(
            "SELECT external_ref, reported_at, contexts, tlp, fingerprint, district, "  # noqa: S608
            "location_precision, "
            f"CASE WHEN external_ref = ANY(%s) THEN description END FROM {OLD}",
            [list(with_description)],
        )
        stored = {}
        for row in cursor.fetchall():
            ref, reported_at, contexts, tlp, fingerprint, district, precision, description = row
            values = {"reported_at": reported_at, "contexts": json.loads(contexts)}
            values.update(tlp=tlp, fingerprint=fingerprint, district=district)
            values["location_precision"] = precision
            if description is not None:
                values["description"] = description
            stored[ref] = values
        return stored


def _stage(records: Sequence[Mapping[str, Any]], sent: Mapping[str, frozenset[str]]) -> None:
    """COPY the records, each with the bit mask of the columns it carries (`SENT_BITS`)."""
    table = _q(Incident._meta.db_table)
    names = ", ".join(_q(c) for c in STAGED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {names}, 0 AS sent FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {STAGE} ({names}, sent) FROM STDIN") as copy:
            write = copy.write_row
            for r in records:
                given = sent[r["external_ref"]]
                mask = sum(bit for name, bit in SENT_BITS.items() if name in given)
                write((
                    r["external_ref"], r["occurred_at"], r["reported_at"], r["category"],
                    r["severity"], r["killed"], r["injured"], r["latitude"], r["longitude"],
                    r["location_precision"], r["district"], r["description"], r["tlp"],
                    json.dumps(r["contexts"]),
                    r["status"], r["fingerprint"], mask,
                ))  # fmt: skip


def _merged(column: str) -> str:
    """The value an upserted row takes for `column`: the staged one when the record carried
    it or creates its incident, otherwise the stored one (the locked row in OLD)."""
    if column not in SENT_BITS:
        return f"s.{_q(column)}"
    return (
        f"CASE WHEN o.id IS NULL OR s.sent & {SENT_BITS[column]} <> 0 "
        f"THEN s.{_q(column)} ELSE o.{_q(column)} END"
    )


def _upsert(agency: Agency, actor: User) -> list[tuple[str, UUID, int]]:
    """Insert or update every staged row in external_ref order; (ref, id, version) of each.
    A row that exists takes, for each column its record did not carry, its stored value."""
    table = _q(Incident._meta.db_table)
    names = ", ".join(_q(c) for c in STAGED)
    values = ", ".join(_merged(c) for c in STAGED)
    updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in WRITTEN)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {DONE} (id uuid PRIMARY KEY, external_ref text, version int) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            f"WITH up AS (INSERT INTO {table} "  # noqa: S608
            f"(id, agency_id, version, created_by_id, created_at, updated_at, {names}) "
            f"SELECT gen_random_uuid(), %s, 1, %s, %s, %s, {values} FROM {STAGE} s "
            f"LEFT JOIN {OLD} o ON o.external_ref = s.external_ref "
            "ORDER BY s.external_ref "
            f"ON CONFLICT (agency_id, external_ref) DO UPDATE SET {updates}, "
            f"version = {table}.version + 1 RETURNING id, external_ref, version) "
            f"INSERT INTO {DONE} SELECT id, external_ref, version FROM up",
            [agency.pk, actor.pk, now, now],
        )
        cursor.execute(f"SELECT external_ref, id, version FROM {DONE}")  # noqa: S608
        return cursor.fetchall()


def _audit_incidents(ids: list[UUID]) -> int:
    table = _q(Incident._meta.db_table)
    return audit.log_bulk_sql(
        audit.SqlRows(
            model=Incident,
            source=f"{table} n LEFT JOIN {OLD} o ON o.id = n.id WHERE n.id = ANY(%s::uuid[])",
            params=(id_array(ids),),
            new="n",
            old="o",
            is_create="o.id IS NULL",
            object_repr=INCIDENT_REPR,
            object_agency="n.agency_id",
            order_by="n.external_ref",
        ),
        event="bulk_upsert",
    )


def light(record: Mapping[str, Any], pk: UUID, agency: Agency) -> Incident:
    """An unsaved stand-in for a stored incident: enough to own persons and match them."""
    return Incident(id=pk, agency_id=agency.pk, contexts=record["contexts"], tlp=record["tlp"])


def upsert(
    actor: User,
    agency: Agency,
    records: Sequence[Mapping[str, Any]],
    existing: Mapping[str, Any],
    sent: Mapping[str, frozenset[str]],
    persons: Callable[[list[str]], Mapping[str, list[Any]]],
) -> tuple[dict[str, UUID], list[UUID], dict[str, UUID]]:
    """Upsert validated records (locked by `lock_existing`, which returned `existing`; `sent`:
    external_ref → the fields the client sent; `persons`: references → their stored persons)
    and audit each; returns external_ref → id of the rows written, the ids that were updated,
    and external_ref → id of the records left out because they would store what is stored
    (`_unchanged`). Raises Conflict (retryable) when a concurrent batch created one of the
    references after the lock."""
    with connection.cursor() as cursor:
        # Plans here are index probes and hash joins over a few thousand rows; compiling them
        # (JIT, on for any plan the optimiser costs high) takes longer than running them.
        cursor.execute("SET LOCAL jit = off")
        # The audit entries of a batch (~5 MB with their changes) are sorted into reference
        # order; within the default 4 MB the sort spills to disk (~40 ms per batch).
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    _stage(records, sent)
    same = _unchanged(records, persons)
    stored = _upsert(agency, actor) if len(same) < len(records) else []
    if any(version > 1 and ref not in existing for ref, _, version in stored):
        raise Conflict("A concurrent batch created some of these incidents; retry.")
    ids = {ref: pk for ref, pk, _ in stored}
    if ids:
        _audit_incidents(list(ids.values()))
    return ids, [pk for _, pk, version in stored if version > 1], same


def _unchanged(
    records: Sequence[Mapping[str, Any]],
    persons: Callable[[list[str]], Mapping[str, list[Any]]],
) -> dict[str, UUID]:
    """external_ref → id of the staged rows that would store what is stored: every column
    as merged equals the locked row's, and the persons a record sends are those stored
    (compared in plaintext in Python: their ciphertext differs at every write). They are
    taken out of the stage, so nothing that follows writes them. One statement, and a
    read of the stored persons when some record sends persons."""
    merged = ", ".join(_merged(c) for c in STAGED)
    old = ", ".join(f"o.{_q(c)}" for c in STAGED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.external_ref, o.id FROM {STAGE} s "  # noqa: S608
            f"JOIN {OLD} o ON o.external_ref = s.external_ref "
            f"WHERE ROW({merged}) IS NOT DISTINCT FROM ROW({old})"
        )
        same = dict(cursor.fetchall())
        sending = {r["external_ref"]: r["persons"] for r in records if "persons" in r}
        asked = [ref for ref in same if ref in sending]
        kept = persons(asked) if asked else {}
        for ref in asked:
            if not same_persons(kept.get(ref, ()), sending[ref]):
                del same[ref]
        if same:
            cursor.execute(f"DELETE FROM {STAGE} WHERE external_ref = ANY(%s)", [list(same)])  # noqa: S608
    return same


def after_upsert(
    agency: Agency, ids: list[UUID], updated: list[UUID], with_persons: list[Incident]
) -> None:
    """What single writes do after saving (incidents.services.after_write), set-based: shares
    the changed incidents' TLP no longer allows end, agreements share what they now cover,
    and matches are looked for."""
    written = (
        f"SELECT d.id, %s AS agency_id, s.category, s.latitude, s.longitude, s.occurred_at "  # noqa: S608
        f"FROM {DONE} d JOIN {STAGE} s ON s.external_ref = d.external_ref",
        [agency.pk],
    )
    ingest_hooks.after_upsert(agency, ids, updated, with_persons, written)
