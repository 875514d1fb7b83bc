"""The tamper-evident audit trail: audit entries chained by SHA-256.

Entries are written by many paths (auditlog's signals, bulk SQL), so they are chained after
they commit: `seal()` appends one link (`AuditSeal`) per entry not yet sealed, in id order,
each holding `hash = SHA-256(prev_hash ‖ canonical JSON of every column of the entry)` and
the hash before it. The canonical JSON covers a fixed list of columns (`CHAIN_COLUMNS`, so
that a column added to the table later leaves every earlier link valid): PostgreSQL renders
it (`json_build_object` in that order, in UTC, jsonb values as jsonb prints them); elsewhere
(the SQLite demo) it is JSON with sorted keys of the values as Django reads them. Sealing
runs every minute (Celery beat), before every verification, and from `manage.py
verify_audit`; one sealer at a time (an advisory lock).

`verify()` seals, then walks the links in order and recomputes each hash from the entry as
stored now. The first entry that was edited, swapped or deleted, whose link was forged or
removed, or that is older than what sealing still looks at and was never sealed, is
`first_bad`.

Limits, by design: an entry is only protected once sealed (seconds after it commits); and a
hash chain alone cannot show that someone able to write the database appended entries and
computed their links correctly.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from fusion.models import AuditEntry, AuditSeal
from fusion.plan_shapes import id_array

GENESIS = "0" * 64
CHUNK = 2000
# Sealing looks this many entry ids back from the last sealed one, for entries whose
# transaction committed after later ones were sealed (a long import chunk, while other
# writers went on). An unsealed entry further back than this can no longer be sealed: it
# was inserted behind the chain's back. A million ids is ~140 bulk batches of 5,000; looking
# back over them costs the sealer an index scan of both tables every run.
LOOKBACK = 1_000_000
_LOCK_KEY = 0x46555349  # "FUSI": the advisory lock of the sealer (PostgreSQL)
# Every column of an entry when the chain was defined; a new column needs a new list (and a
# format marker on the links) to be covered.
CHAIN_COLUMNS = (
    "id", "object_repr", "serialized_data", "changes_text", "changes", "remote_addr",
    "remote_port", "timestamp", "additional_data", "actor_email", "content_type_id",
    "object_pk", "object_id", "action", "actor_id", "cid", "acting_agency_id",
    "object_agency_id", "purpose", "outcome", "event",
)  # fmt: skip
_ROW_JSON = "json_build_object(" + ", ".join(f"'{c}', e.{c}" for c in CHAIN_COLUMNS) + ")"


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical(entry: dict[str, Any]) -> bytes:
    """Every column of an entry as JSON with sorted keys (nested ones too), UTF-8: the
    canonical form where the database cannot render rows as JSON itself."""
    text = json.dumps(
        entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )
    return text.encode()


def link_hash(prev_hash: str, canonical_entry: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_entry).hexdigest()


def canonical_entries(ids: list[int]) -> dict[int, bytes]:
    """entry id → canonical JSON of the entry as stored now (missing ids are left out).
    On PostgreSQL, inside a transaction."""
    if connection.vendor != "postgresql":
        rows = AuditEntry.objects.filter(pk__in=ids).values(*CHAIN_COLUMNS)
        return {row["id"]: canonical(row) for row in rows}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute(
            f"SELECT e.id, {_ROW_JSON}::text FROM fusion_auditentry e "  # noqa: S608 - fixed names
            "WHERE e.id = ANY(%s::bigint[])",
            [id_array(ids)],
        )
        return {pk: text.encode() for pk, text in cursor.fetchall()}


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _newest_sealed() -> int | None:
    """The highest entry id sealed so far."""
    newest = AuditSeal.objects.order_by("-entry_id").values_list("entry_id", flat=True)
    return newest.first()


def _lookback_start() -> int:
    """Sealing looks at entries above this id (LOOKBACK below the newest sealed one)."""
    return max((_newest_sealed() or 0) - LOOKBACK, 0)


def _unsealed(after: int, limit: int) -> list[int]:
    sealed = AuditSeal.objects.filter(entry_id__gt=after).values("entry_id")
    rows = AuditEntry.objects.filter(pk__gt=after).exclude(pk__in=sealed).order_by("pk")
    return list(rows.values_list("pk", flat=True)[:limit])


def seal() -> int:
    """Append a link for every committed entry not sealed yet; returns how many."""
    total = 0
    while True:
        with transaction.atomic():
            _lock()
            head = AuditSeal.objects.order_by("-seq").first()
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            ids = _unsealed(_lookback_start(), CHUNK)
            if not ids:
                return total
            entries = canonical_entries(ids)
            links = []
            for entry_id in ids:
                seq += 1
                digest = link_hash(prev, entries[entry_id])
                links.append(AuditSeal(seq=seq, entry_id=entry_id, prev_hash=prev, hash=digest))
                prev = digest
            _append(links)
            total += len(links)


def _append(links: list[AuditSeal]) -> None:
    if connection.vendor != "postgresql":
        AuditSeal.objects.bulk_create(links)
        return
    columns = "seq, entry_id, prev_hash, hash, sealed_at"
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY fusion_auditseal ({columns}) FROM STDIN") as copy,
    ):
        for link in links:
            copy.write_row((link.seq, link.entry_id, link.prev_hash, link.hash, link.sealed_at))


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad: int | None
    pending: int
    reason: str = ""


def _links() -> Iterator[list[AuditSeal]]:
    last = 0
    while True:
        page = list(AuditSeal.objects.filter(seq__gt=last).order_by("seq")[:CHUNK])
        if not page:
            return
        yield page
        last = page[-1].seq


def verify(progress: Callable[[int], None] | None = None) -> Verification:
    """Seal what is pending, then recompute the chain from the first link; report the first
    bad entry, if any. `progress` is called with the number of links checked per page."""
    seal()
    prev, expected, checked = GENESIS, 1, 0
    for page in _links():
        with transaction.atomic():
            entries = canonical_entries([link.entry_id for link in page])
        for link in page:
            reason = _broken(link, expected, prev, entries.get(link.entry_id))
            if reason:
                return Verification(False, checked, link.entry_id, _pending(), reason)
            prev, expected, checked = link.hash, expected + 1, checked + 1
        if progress:
            progress(len(page))
    start = _lookback_start()
    if start:  # entries at or below it are no longer looked at: any unsealed one is stranded
        behind = _unsealed(0, 1)
        if behind and behind[0] <= start:
            return Verification(False, checked, behind[0], _pending(), "entry was never sealed")
    return Verification(True, checked, None, _pending())


def _broken(link: AuditSeal, expected: int, prev: str, entry: bytes | None) -> str:
    if link.seq != expected:
        return f"link {expected} is missing"
    if link.prev_hash != prev:
        return "link does not follow the one before it"
    if entry is None:
        return "entry was deleted"
    if link_hash(prev, entry) != link.hash:
        return "entry was changed"
    return ""


def _pending() -> int:
    """Entries committed but not sealed yet."""
    after = _lookback_start()
    sealed = AuditSeal.objects.filter(entry_id__gt=after).values("entry_id")
    return AuditEntry.objects.filter(pk__gt=after).exclude(pk__in=sealed).count()
