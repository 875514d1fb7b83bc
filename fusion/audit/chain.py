"""The tamper-evident audit trail: audit entries chained by SHA-256, in commit order.

Entries are written by many paths (auditlog's signals, bulk SQL), so they are chained after
they commit: `seal()` appends one link (`AuditSeal`) per entry not yet sealed, each holding
`hash = SHA-256(prev_hash ‖ canonical JSON of the entry ‖ the link's order data)` and the hash
before it. The canonical JSON covers a fixed list of columns (`CHAIN_COLUMNS`, so that a
column added to the table later leaves every earlier link valid): PostgreSQL renders it
(`json_build_object` in that order, in UTC, jsonb values as jsonb prints them); elsewhere
(the SQLite demo) it is JSON with sorted keys of the values as Django reads them. Sealing
runs every minute (Celery beat), before every verification, and from `manage.py
verify_audit`; one sealer at a time (an advisory lock).

Order (PostgreSQL). Entry ids are drawn when a row is inserted, not when its transaction
commits, so ids alone cannot tell a late commit from a row slipped in behind the chain.
Each entry records the transaction that inserted it (`xact`, set by a trigger whatever the
INSERT says; the transaction id is taken before the statement draws any entry id). The
sealer seals only entries of transactions that have ended — below the oldest transaction of
this database still in progress — in (xact, id) order, after the head. Each link records the
entry's xact and `next_xact`, a transaction id that every transaction begun after the link's
entries were chosen is at or above (the sealer's own, taken then); both are in its hash.
So, of a genuine entry:

- its xact is above the head's when it is sealed: an unsealed entry below the horizon of the
  last sealing was inserted behind the chain (with the triggers off);
- its id was drawn after its transaction began: an entry whose transaction began after a
  link was made (xact ≥ that link's next_xact) but whose id is below an id sealed by then
  took an old id (an INSERT into a gap);
- its timestamp is not older than that link's sealing, give or take CLOCK_TOLERANCE: an
  entry dated further back was backdated.

Timestamps are also checked where no sealing was made before the entry's transaction (an
xact between the head's and the last sealing's next_xact; the first sealing after genesis or
after links without order data). A timestamp is taken just before its entry is written, when
the transaction has its id or takes it with that INSERT; a transaction that writes ends
within `longest_transaction()` (the longest task time limit: a task killed there rolls
back). An entry a sealing run left out was held back by a transaction of ours running then,
whose id is no higher than the entry's; an entry before it in the chain has a transaction id
no higher either, so was written at most that long after the entry's transaction took its
id. So a genuine entry is dated no more than `longest_transaction()` + CLOCK_TOLERANCE before
the sealing run before its own or any entry before it, and no more than CLOCK_TOLERANCE after
its own sealing. An entry whose id is above the last the id sequence gave out was never drawn
from it: it is named itself, not the genuine entries sealed after it with lower ids.

`verify()` seals, then walks the links in order and recomputes each hash from the entry as
stored now; the first entry that was edited, swapped or deleted, whose link was forged or
removed, that breaks the order above, or that was never sealed though sealing has passed
it, is `first_bad`. SQLite (the demo) has one writer at a time: entries are sealed in id
order and an unsealed one below the head is bad.

Limits, by design: an entry is only protected once sealed (seconds after it commits); a
hash chain alone cannot show that someone able to write the database appended entries
(dated as the order above allows) and computed their links correctly; an open transaction
that wrote holds sealing back until it ends.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from fusion.models import AuditEntry, AuditSeal
from fusion.plan_shapes import id_array

GENESIS = "0" * 64
CHUNK = 2000
# Links made before entries recorded their transaction (migration 0008) are sealed by id; the
# first sealing after it looks this many ids back from that head for entries committed late.
LOOKBACK = 1_000_000
# How much older than the sealing before its transaction began an entry's timestamp may be:
# a timestamp is taken just before the entry is written, on the clock of another host.
CLOCK_TOLERANCE = timedelta(minutes=5)
_LOCK_KEY = 0x46555349  # "FUSI": the advisory lock of the sealer (PostgreSQL)
# Every column of an entry when the chain was defined; a new column needs a new list (and a
# format marker on the links) to be covered. `xact` is covered through the link's order data.
CHAIN_COLUMNS = (
    "id", "object_repr", "serialized_data", "changes_text", "changes", "remote_addr",
    "remote_port", "timestamp", "additional_data", "actor_email", "content_type_id",
    "object_pk", "object_id", "action", "actor_id", "cid", "acting_agency_id",
    "object_agency_id", "purpose", "outcome", "event",
)  # fmt: skip
_ROW_JSON = "json_build_object(" + ", ".join(f"'{c}', e.{c}" for c in CHAIN_COLUMNS) + ")"
# Of the transactions in progress, those that may be of this database (one whose database
# cannot be told counts as ours; transactions of other databases of the cluster cannot write
# entries here and do not hold sealing back).
_OURS = """
SELECT l.transactionid AS x FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
  AND l.pid IS DISTINCT FROM pg_backend_pid()
  AND coalesce(a.datname, current_database()) = current_database()
UNION ALL
SELECT p.transaction FROM pg_prepared_xacts p WHERE p.database = current_database()
"""
# Sealing may seal entries of transactions below the oldest of ours in progress (a snapshot
# leaves our own out), or else below the snapshot's xmax (every one from there on is still
# running or not begun); and those of the sealer's own transaction, when no other of ours
# began before it and is still running (a sealing inside a transaction that wrote entries).
_HORIZON = f"""
WITH s AS (SELECT pg_current_snapshot() AS snap, pg_current_xact_id_if_assigned() AS own),
ours AS ({_OURS})
SELECT coalesce(
           (SELECT min(x) FROM s, pg_snapshot_xip(s.snap) AS x
            WHERE xid(x) IN (SELECT ours.x FROM ours)),
           (SELECT pg_snapshot_xmax(snap) FROM s))::text::bigint,
       (SELECT own::text::bigint FROM s WHERE NOT EXISTS (
            SELECT FROM ours WHERE age(ours.x) > 0)),
       statement_timestamp()
"""  # noqa: S608 - fixed text


@dataclass(frozen=True)
class Horizon:
    """What one sealing may seal: entries of transactions below `below` (all ended) and of
    `own`, the sealer's own transaction (None: none, or one of ours began before it and is
    still running). `now` is when it was decided."""

    below: int
    own: int | None
    now: datetime

    def covers(self, column: str) -> str:
        """An SQL condition: the transaction id in `column` is one sealing may seal."""
        return f"({column} < %s OR {column} = %s)"

    @property
    def params(self) -> list[int]:
        return [self.below, -1 if self.own is None else self.own]


@dataclass(frozen=True)
class Stored:
    """An entry as stored now: its canonical JSON, transaction id and timestamp."""

    text: bytes
    xact: int
    timestamp: datetime


def longest_transaction() -> timedelta:
    """How long a transaction that writes entries may run: the longest hard time limit of a
    task (a request's is shorter; a task killed at its limit rolls back)."""
    limits = (
        getattr(settings, name, 0) for name in ("CELERY_TASK_TIME_LIMIT", "ASSESSMENT_TIME_LIMIT")
    )
    return timedelta(seconds=max(limits))


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


def link_hash(prev_hash: str, canonical_entry: bytes, link: AuditSeal | None = None) -> str:
    """The hash of a link: the previous hash, the entry, and the link's order data (links
    made before migration 0008 have none)."""
    order = b""
    if link is not None and link.xact is not None:
        sealed = link.sealed_at.astimezone(UTC).isoformat()
        order = f"\n{link.xact} {link.next_xact} {sealed}".encode()
    return hashlib.sha256(prev_hash.encode() + canonical_entry + order).hexdigest()


def _stored(ids: list[int]) -> dict[int, Stored]:
    if connection.vendor != "postgresql":
        rows = AuditEntry.objects.filter(pk__in=ids).values(*CHAIN_COLUMNS, "xact")
        return {
            row["id"]: Stored(canonical({c: row[c] for c in CHAIN_COLUMNS}), row["xact"],
                              row["timestamp"])
            for row in rows
        }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute(
            f"SELECT e.id, {_ROW_JSON}::text, e.xact, e.timestamp FROM fusion_auditentry e "  # noqa: S608 - fixed names
            "WHERE e.id = ANY(%s::bigint[])",
            [id_array(ids)],
        )
        return {pk: Stored(text.encode(), xact, at) for pk, text, xact, at in cursor.fetchall()}


def canonical_entries(ids: list[int]) -> dict[int, bytes]:
    """entry id → canonical JSON of the entry as stored now (missing ids are left out).
    On PostgreSQL, inside a transaction."""
    return {pk: entry.text for pk, entry in _stored(ids).items()}


def _lock() -> bool:
    """Wait for other sealers; whether this transaction has no transaction id yet."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s), pg_current_xact_id_if_assigned() IS NULL",
            [_LOCK_KEY],
        )
        return cursor.fetchone()[1]


def _next_xact(fresh: bool) -> int | None:
    """Once the entries to seal are chosen: a transaction id that every transaction beginning
    after (so every entry id drawn after) is at or above. Our own transaction's when it takes
    one now; None when it had one already (sealing inside a transaction that wrote)."""
    if not fresh:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint + 1")
        return cursor.fetchone()[0]


def _horizon() -> Horizon | None:
    """What sealing may seal now (PostgreSQL; None elsewhere: no transaction ids)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # activity as it is now
        cursor.execute(_HORIZON)
        below, own, now = cursor.fetchone()
    return Horizon(below, own, now.astimezone(UTC))


def _after(head: AuditSeal | None) -> tuple[int, int]:
    """(xact, id) after which entries are still to be sealed."""
    if head is None:
        return -1, 0
    if head.xact is None:  # a head made before migration 0008: its entries all have xact 0
        return 0, max(head.entry_id - LOOKBACK, 0)
    return head.xact, head.entry_id


def _sealable(head: AuditSeal | None, horizon: Horizon | None, limit: int) -> list[int]:
    """Ids of the next entries to seal, in the order to seal them."""
    if horizon is None:
        after = head.entry_id if head else 0
        rows = AuditEntry.objects.filter(pk__gt=after).order_by("pk")
        return list(rows.values_list("pk", flat=True)[:limit])
    xact, entry_id = _after(head)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id FROM fusion_auditentry e WHERE {horizon.covers('e.xact')}"  # noqa: S608
            " AND (e.xact, e.id) > (%s, %s)"
            " AND NOT EXISTS (SELECT FROM fusion_auditseal s WHERE s.entry_id = e.id)"
            " ORDER BY e.xact, e.id LIMIT %s",
            [*horizon.params, xact, entry_id, limit],
        )
        return [pk for (pk,) in cursor.fetchall()]


def seal() -> int:
    """Append a link for every committed entry not sealed yet; returns how many."""
    return _seal()[0]


def _seal() -> tuple[int, Horizon | None]:
    total, horizon, first = 0, None, True
    while True:
        with transaction.atomic():
            fresh = _lock()
            if first:  # once the lock is ours: what an earlier sealer did is in the table
                horizon, first = _horizon(), False
            head = AuditSeal.objects.order_by("-seq").first()
            ids = _sealable(head, horizon, CHUNK)
            if not ids:
                return total, horizon
            _append(_links(head, ids, horizon, _next_xact(fresh)))
            total += len(ids)


def _links(
    head: AuditSeal | None, ids: list[int], horizon: Horizon | None, next_xact: int | None
) -> list[AuditSeal]:
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    entries = _stored(ids)
    links = []
    for entry_id in ids:
        entry = entries[entry_id]
        seq += 1
        link = AuditSeal(seq=seq, entry_id=entry_id, prev_hash=prev)
        if horizon is not None:
            link.xact, link.next_xact, link.sealed_at = entry.xact, next_xact, horizon.now
        link.hash = prev = link_hash(prev, entry.text, link)
        links.append(link)
    return links


def _append(links: list[AuditSeal]) -> None:
    if connection.vendor != "postgresql":
        AuditSeal.objects.bulk_create(links)
        return
    columns = "seq, entry_id, prev_hash, hash, sealed_at, xact, next_xact"
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY fusion_auditseal ({columns}) FROM STDIN") as copy,
    ):
        for link in links:
            copy.write_row((
                link.seq, link.entry_id, link.prev_hash, link.hash, link.sealed_at, link.xact,
                link.next_xact,
            ))  # fmt: skip


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad: int | None
    pending: int
    reason: str = ""


def _pages() -> Iterator[list[AuditSeal]]:
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
    _, horizon = _seal()
    prev, expected, checked = GENESIS, 1, 0
    order = CommitOrder(drawn=_last_drawn(horizon))
    head = None
    for page in _pages():
        with transaction.atomic():
            entries = _stored([link.entry_id for link in page])
        for link in page:
            entry = entries.get(link.entry_id)
            reason = _broken(link, expected, prev, entry) or order.check(link, entry)
            if reason:
                return Verification(False, checked, link.entry_id, _pending(link), reason)
            prev, expected, checked = link.hash, expected + 1, checked + 1
        head = page[-1]
        if progress:
            progress(len(page))
    behind = _behind(head, horizon)
    if behind is not None:
        return Verification(False, checked, behind, _pending(head), "entry was never sealed")
    return Verification(True, checked, None, _pending(head))


def _last_drawn(horizon: Horizon | None) -> int | None:
    """The highest entry id the id sequence has given out (None: not known, or none yet)."""
    if horizon is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_sequence_last_value("
            "pg_get_serial_sequence('fusion_auditentry', 'id')::regclass)"
        )
        return cursor.fetchone()[0]


def _broken(link: AuditSeal, expected: int, prev: str, entry: Stored | None) -> str:
    if link.seq != expected:
        return f"link {expected} is missing"
    if link.prev_hash != prev:
        return "link does not follow the one before it"
    if entry is None:
        return "entry was deleted"
    if link_hash(prev, entry.text, link) != link.hash:
        return "entry was changed"
    if link.xact is not None and link.xact != entry.xact:
        return "entry was changed"
    return ""


@dataclass
class _Sealing:
    """The links of one sealing so far: made before any transaction from `next_xact` on
    began, at `at`; `top` is the highest entry id sealed up to them."""

    next_xact: int
    at: datetime
    top: int


@dataclass
class CommitOrder:
    """Checks, link by link in chain order, that each entry could have been written when its
    transaction says it was (see the module's docstring)."""

    sealings: list[_Sealing] = field(default_factory=list)
    passed: int = 0  # sealings made before the current link's transaction began
    top: int = 0
    last: tuple[int, int] | None = None
    drawn: int | None = None  # the highest entry id the sequence has given out
    run: datetime | None = None  # when the current link's sealing run began
    run_before: datetime | None = None  # and the sealing run before it
    latest: datetime | None = None  # the latest timestamp of an entry so far
    longest: timedelta = field(default_factory=longest_transaction)

    def check(self, link: AuditSeal, entry: Stored | None) -> str:
        """Why `link` breaks the order ("" if it does not); then take it into account."""
        if link.xact is not None and link.sealed_at != self.run:
            self.run_before, self.run = self.run, link.sealed_at
        reason = self._reason(link, entry)
        self.top = max(self.top, link.entry_id)
        if entry is not None:
            dated = min(entry.timestamp, link.sealed_at + CLOCK_TOLERANCE)
            self.latest = dated if self.latest is None else max(self.latest, dated)
        if link.xact is not None:
            self.last = (link.xact, link.entry_id)
        if link.next_xact is None:  # made inside a transaction that wrote: no reference
            return reason
        if self.sealings and self.sealings[-1].next_xact == link.next_xact:
            self.sealings[-1].top = self.top
        else:
            self.sealings.append(_Sealing(link.next_xact, link.sealed_at, self.top))
        return reason

    def _reason(self, link: AuditSeal, entry: Stored | None) -> str:
        if link.xact is None:
            return "link lacks its order data" if self.last else ""
        if self.last is not None and (link.xact, link.entry_id) <= self.last:
            return "link out of commit order"
        if self.drawn is not None and link.entry_id > self.drawn:
            return "entry id was never drawn from the sequence: inserted with an id of its own"
        if entry is None:
            return ""
        if entry.timestamp > link.sealed_at + CLOCK_TOLERANCE:
            return "entry is dated after it was sealed"
        if link.xact == 0:  # an entry from before migration 0008
            return ""
        sealings = self.sealings
        while self.passed < len(sealings) and sealings[self.passed].next_xact <= link.xact:
            self.passed += 1
        before = sealings[self.passed - 1] if self.passed else None
        if before is not None and link.entry_id < before.top:
            return "entry id is older than its transaction: inserted behind the chain"
        earliest = self._earliest(before)
        if earliest is not None and entry.timestamp < earliest:
            return "entry is dated before its transaction began: backdated"
        return ""

    def _earliest(self, before: _Sealing | None) -> datetime | None:
        """The earliest a genuine entry at this place may be dated: not before the sealing
        made before its transaction began; nor, by more than the longest transaction, before
        the sealing run before its own or an entry before it."""
        floors = [at - self.longest for at in (self.run_before, self.latest) if at is not None]
        if before is not None:
            floors.append(before.at)
        return max(floors) - CLOCK_TOLERANCE if floors else None


def _behind(head: AuditSeal | None, horizon: Horizon | None) -> int | None:
    """The first entry sealing has passed without sealing it, if any."""
    if head is None:
        return None
    if horizon is None:
        sealed = AuditSeal.objects.values("entry_id")
        rows = AuditEntry.objects.filter(pk__lt=head.entry_id).exclude(pk__in=sealed)
        return rows.order_by("pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min(e.id) FROM fusion_auditentry e WHERE {horizon.covers('e.xact')}"  # noqa: S608
            " AND NOT EXISTS (SELECT FROM fusion_auditseal s WHERE s.entry_id = e.id)",
            horizon.params,
        )
        return cursor.fetchone()[0]


def _pending(head: AuditSeal | None) -> int:
    """Entries committed after `head` was sealed, not sealed yet."""
    if connection.vendor != "postgresql":
        return AuditEntry.objects.filter(pk__gt=head.entry_id if head else 0).count()
    xact, entry_id = _after(head)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM fusion_auditentry e WHERE (e.xact, e.id) > (%s, %s)"
            " AND NOT EXISTS (SELECT FROM fusion_auditseal s WHERE s.entry_id = e.id)",
            [xact, entry_id],
        )
        return cursor.fetchone()[0]
