"""The audit hash chain: an untouched trail verifies; an edited, deleted, forged, swapped,
backdated, future-dated or never-sealed entry, one slipped in behind the chain or with an id
never drawn, is named as the first bad one (tampering done as the database superuser, as an
intruder with database access would); transactions committing out of id order are sealed in
commit order and verify."""

import hashlib
import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fusion.audit import chain as audit_chain
from fusion.audit.chain import seal, verify
from fusion.models import AuditEntry, AuditSeal
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/verify/"


@pytest.fixture
def trail(world):
    """Audit entries of a few writes, all sealed; their ids in order."""
    for n in range(4):
        factories.incident(world.police, world.police_submitter, external_ref=f"CH-{n}")
    seal()
    return list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True))


def sql(statement: str, params: list) -> None:
    """Run as an intruder with the superuser's rights would: the append-only triggers off."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_an_untouched_chain_verifies_every_entry(trail):
    # when
    result = verify()
    # then
    assert (result.ok, result.checked, result.first_bad) == (True, len(trail), None)
    assert AuditSeal.objects.count() == len(trail)


def test_each_link_hashes_the_one_before_and_the_entry_as_stored(trail):
    # given
    first, second = AuditSeal.objects.order_by("seq")[:2]
    columns = ", ".join(f"'{c}', e.{c}" for c in audit_chain.CHAIN_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT json_build_object({columns})::text FROM fusion_auditentry e WHERE id = %s",  # noqa: S608
            [second.entry_id],
        )
        (text,) = cursor.fetchone()
    order = f"\n{second.xact} {second.next_xact} {second.sealed_at.isoformat()}"
    # then
    assert first.prev_hash == audit_chain.GENESIS
    assert second.prev_hash == first.hash
    assert second.hash == hashlib.sha256((first.hash + text + order).encode()).hexdigest()
    assert f'"id" : {second.entry_id},' in text
    assert second.xact == AuditEntry.objects.get(pk=second.entry_id).xact > 0


def test_every_column_of_an_entry_is_covered():
    # the transaction id through the link's order data
    columns = {field.column for field in AuditEntry._meta.concrete_fields}
    assert columns == {*audit_chain.CHAIN_COLUMNS, "xact"}


def test_a_column_added_to_the_table_leaves_the_links_valid(trail):
    # given: a later version of the entry model adds a column (and fills it)
    sql("ALTER TABLE fusion_auditentry ADD COLUMN added_later text DEFAULT 'x'", [])
    # when
    result = verify()
    # then
    assert (result.ok, result.checked) == (True, len(trail))


def test_entries_written_later_extend_the_chain(world, trail):
    # given
    factories.incident(world.police, world.police_submitter, external_ref="CH-later")
    # when
    result = verify()
    # then
    assert result.ok
    assert result.checked == AuditEntry.objects.count() == AuditSeal.objects.count()


def test_an_entry_inserted_behind_the_chain_in_the_same_transaction_is_found(trail):
    # given: an entry with an id below the head, written after sealing passed it
    forged = AuditEntry.objects.create(
        pk=trail[0] - 1, content_type_id=1, object_pk="1", object_repr="forged", action=3
    )
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged.pk)
    assert result.reason == "entry was never sealed"


def test_an_edited_field_is_found(trail):
    # given
    victim = trail[2]
    sql("UPDATE fusion_auditentry SET object_repr = 'nothing happened' WHERE id = %s", [victim])
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad, result.checked) == (False, victim, 2)
    assert result.reason == "entry was changed"


def test_a_deleted_entry_is_found(trail):
    # given
    victim = trail[1]
    sql("DELETE FROM fusion_auditentry WHERE id = %s", [victim])
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, victim)
    assert result.reason == "entry was deleted"


def test_a_deleted_link_is_found(trail):
    # given: the entry and its link both removed
    victim = trail[1]
    sql("DELETE FROM fusion_auditentry WHERE id = %s", [victim])
    sql("DELETE FROM fusion_auditseal WHERE entry_id = %s", [victim])
    # when
    result = verify()
    # then the next link names the gap
    assert (result.ok, result.first_bad) == (False, trail[2])


def test_a_forged_entry_with_a_forged_link_is_found(trail):
    # given
    head = AuditSeal.objects.order_by("-seq").first()
    forged = AuditEntry.objects.create(
        content_type_id=1, object_pk="1", object_repr="forged", action=3
    )
    AuditSeal.objects.create(
        seq=head.seq + 1, entry_id=forged.pk, prev_hash=head.hash, hash="f" * 64
    )
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged.pk)


def test_two_swapped_entries_are_found(trail):
    # given
    one, two = trail[1], trail[3]
    sql(
        "UPDATE fusion_auditentry a SET changes = b.changes FROM fusion_auditentry b "
        "WHERE (a.id, b.id) IN ((%s, %s), (%s, %s))",
        [one, two, two, one],
    )
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, one)


def test_the_endpoint_verifies_and_is_logged(world, client_for, trail):
    # when
    response = client_for(world.overseer).get(URL)
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["checked"], body["first_bad"]) == (True, len(trail), None)
    logged = AuditEntry.objects.get(event="audit.verify")
    assert logged.actor == world.overseer
    assert logged.additional_data["checked"] == len(trail)


def test_the_endpoint_names_the_first_bad_entry(world, client_for, trail):
    # given
    sql("UPDATE fusion_auditentry SET purpose = 'rewritten' WHERE id = %s", [trail[0]])
    # when
    body = client_for(world.platform_admin).get(URL).json()
    # then
    assert (body["ok"], body["checked"], body["first_bad"]) == (False, 0, trail[0])


def test_the_command_prints_the_result_and_fails_on_a_broken_chain(trail):
    # given
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1])["ok"] is True
    sql("DELETE FROM fusion_auditentry WHERE id = %s", [trail[0]])
    # when / then
    with pytest.raises(CommandError, match=str(trail[0])):
        call_command("verify_audit", stdout=StringIO())


def run(statements: list[str]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.mark.parametrize("table", ["fusion_auditentry", "fusion_auditseal"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET {column} = {column}",
        "DELETE FROM {table}",
        "SET LOCAL fusion.audit_truncate_allowed = 'off'; TRUNCATE {table}",
    ],
)
def test_the_trail_refuses_update_delete_and_truncate(trail, table, statement):
    # given
    column = "object_repr" if table == "fusion_auditentry" else "hash"
    before = AuditEntry.objects.count(), AuditSeal.objects.count()
    # when / then
    with pytest.raises(DatabaseError, match="append-only"):
        run(statement.format(table=table, column=column).split("; "))
    assert (AuditEntry.objects.count(), AuditSeal.objects.count()) == before


def test_a_role_that_is_not_superuser_cannot_truncate_even_with_the_setting(trail):
    # given: an application role that may truncate by privilege, and sets the setting
    run(["DROP ROLE IF EXISTS fusion_app_test", "CREATE ROLE fusion_app_test"])
    run(["GRANT ALL ON fusion_auditentry, fusion_auditseal TO fusion_app_test"])
    # when / then
    with pytest.raises(DatabaseError, match="append-only"):
        run([
            "SET LOCAL ROLE fusion_app_test",
            "SET LOCAL fusion.audit_truncate_allowed = 'on'",
            "TRUNCATE fusion_auditentry",
        ])  # fmt: skip
    assert AuditEntry.objects.count() == len(trail)


def test_the_orm_cannot_change_an_entry_either(trail):
    # given
    entry = AuditEntry.objects.get(pk=trail[0])
    entry.object_repr = "rewritten"
    # when / then
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=trail[0]).delete()
    assert verify().ok


# An insider with the database superuser's rights, after sealing has run: each write below is
# its own transaction, committed, as such an insider's would be.
committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sealed_with_a_gap(world):
    """Entries of two writes, committed and sealed, with an entry id between them left unused
    (as a transaction that rolled back leaves one); returns the entry ids and the unused id."""
    factories.incident(world.police, world.police_submitter, external_ref="IN-0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('fusion_auditentry', 'id'))")
        (gap,) = cursor.fetchone()
    factories.incident(world.police, world.police_submitter, external_ref="IN-1")
    seal()
    entries = list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True))
    assert entries[0] < gap < entries[-1]
    return entries, gap


def forge(**values) -> AuditEntry:
    """A plain INSERT of an entry claiming that the police submitter read a record."""
    return AuditEntry.objects.create(
        content_type_id=1, object_pk="42", object_repr="incident 42", action=3,
        event="incident.read", **values,
    )  # fmt: skip


@committed
def test_an_entry_inserted_into_an_unused_id_below_the_head_is_found(sealed_with_a_gap):
    # given
    _, gap = sealed_with_a_gap
    forged = forge(pk=gap)
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged.pk)
    assert "inserted behind the chain" in result.reason


@committed
def test_an_entry_inserted_with_an_old_timestamp_is_found(sealed_with_a_gap):
    # given
    forged = forge(timestamp=timezone.now() - timedelta(days=3))
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged.pk)
    assert "backdated" in result.reason


@committed
def test_an_entry_dated_within_the_clock_tolerance_verifies(sealed_with_a_gap):
    # given: written by a host whose clock is a minute behind
    forge(timestamp=timezone.now() - timedelta(minutes=1))
    # when / then
    assert verify().ok


def without_triggers(statement: str, params: list) -> None:
    """As an insider with the superuser's rights: every trigger of the table off."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE fusion_auditentry DISABLE TRIGGER USER")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE fusion_auditentry ENABLE TRIGGER USER")


@committed
@pytest.mark.parametrize("column", ["object_repr", "timestamp", "xact"])
def test_a_sealed_entry_edited_with_the_triggers_off_is_found(sealed_with_a_gap, column):
    # given
    entries, _ = sealed_with_a_gap
    victim = entries[1]
    value = {"object_repr": "'nothing'", "timestamp": "timestamp - interval '1 day'"}
    without_triggers(
        f"UPDATE fusion_auditentry SET {column} = {value.get(column, 'xact + 1')} "  # noqa: S608
        "WHERE id = %s",
        [victim],
    )
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad, result.reason) == (False, victim, "entry was changed")


@committed
def test_an_entry_inserted_with_the_triggers_off_and_an_old_transaction_is_found(
    sealed_with_a_gap,
):
    # given: an INSERT naming its own (old) transaction id, into the unused id
    entries, gap = sealed_with_a_gap
    old = AuditEntry.objects.get(pk=entries[0]).xact
    without_triggers(
        "INSERT INTO fusion_auditentry (id, content_type_id, object_pk, object_repr, action,"
        " timestamp, purpose, outcome, event, xact, changes_text, serialized_data)"
        " VALUES (%s, 1, '42', 'incident 42', 3, now(), '', 'success', 'incident.read', %s,"
        " '', NULL)",
        [gap, old],
    )
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad, result.reason) == (False, gap, "entry was never sealed")


def writer() -> Any:
    """Another connection to the database, in a transaction of its own until it commits."""
    return connection.get_new_connection(connection.get_connection_params())


def write_entry(conn: Any, name: str) -> int:
    with conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO fusion_auditentry (content_type_id, object_pk, object_repr, action,"
            " timestamp, purpose, outcome, event, changes_text) VALUES"
            " (1, %s, %s, 3, now(), '', 'success', 'test.write', '') RETURNING id",
            [name, name],
        )
        return cursor.fetchone()[0]


def sealed(*ids: int) -> list[bool]:
    return [AuditSeal.objects.filter(entry_id=pk).exists() for pk in ids]


@committed
def test_a_transaction_committing_after_a_later_one_is_sealed_before_it(world):
    # given: two transactions; the later one's entry commits first
    older, later = writer(), writer()
    try:
        first = write_entry(older, "older")
        second = write_entry(later, "later")
        later.commit()
        seal()
        assert sealed(first, second) == [False, False]  # waits for the older transaction
        # when
        older.commit()
        result = verify()
    finally:
        older.close()
        later.close()
    # then
    assert (result.ok, result.pending) == (True, 0)
    order = list(AuditSeal.objects.order_by("seq").values_list("entry_id", flat=True))
    assert order[-2:] == [first, second]


@committed
def test_an_entry_with_a_lower_id_committing_after_a_sealed_one_is_sealed_after_it(world):
    # given: the older transaction's entry takes a higher id, commits and is sealed first
    older, later = writer(), writer()
    try:
        with older.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")  # it began writing first
        low = write_entry(later, "later")
        high = write_entry(older, "older")
        older.commit()
        seal()
        assert sealed(high, low) == [True, False]
        # when
        later.commit()
        result = verify()
    finally:
        older.close()
        later.close()
    # then
    assert (result.ok, result.pending) == (True, 0)
    order = list(AuditSeal.objects.order_by("seq").values_list("entry_id", flat=True))
    assert order[-2:] == [high, low]


def as_replica(statement: str, params: list) -> None:
    """As an insider with the superuser's rights, in a transaction of its own that commits:
    every ordinary trigger off (session_replication_role = replica), so `xact` is what the
    INSERT says."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)


def insert_entry(xact: int, timestamp: Any, pk: int | None = None) -> int:
    """An entry claiming that the police submitter read persons' data with approval, inserted
    with the transaction id and timestamp the insider chose (and the id, if given)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('fusion_auditentry', 'id'))")
        (drawn,) = cursor.fetchone()
    as_replica(
        "INSERT INTO fusion_auditentry (id, content_type_id, object_pk, object_repr, action,"
        " timestamp, purpose, outcome, event, xact, changes_text, serialized_data)"
        " VALUES (%s, 1, '42', 'incident 42', 3, %s, 'approved by oversight board', 'success',"
        " 'incident.persons_read', %s, '', NULL)",
        [pk or drawn, timestamp, xact],
    )
    return pk or drawn


def head() -> AuditSeal:
    return AuditSeal.objects.order_by("-seq").first()


@committed
def test_a_backdated_entry_in_a_transaction_before_the_last_sealing_is_found(sealed_with_a_gap):
    # given: an xact between the head's and the last sealing's next_xact, when no earlier
    # sealing was made before it; dated two years back
    last = head()
    assert last.xact + 1 < last.next_xact
    forged = insert_entry(last.xact + 1, timezone.now() - timedelta(days=730))
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged)
    assert "backdated" in result.reason


@committed
def test_a_backdated_entry_in_the_first_sealing_after_genesis_is_found(world):
    # given: nothing sealed yet; an entry claiming the transaction of a genuine write
    factories.incident(world.police, world.police_submitter, external_ref="GE-0")
    genuine = AuditEntry.objects.order_by("-pk").first()
    forged = insert_entry(genuine.xact, timezone.now() - timedelta(days=730))
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged)
    assert "backdated" in result.reason


@committed
def test_a_backdated_entry_in_the_first_sealing_after_links_without_order_data_is_found(world):
    # given: entries sealed before transaction ids were recorded (migration 0008)
    factories.incident(world.police, world.police_submitter, external_ref="OLD-0")
    as_replica("UPDATE fusion_auditentry SET xact = 0", [])
    prev = audit_chain.GENESIS
    ids = list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        texts = audit_chain.canonical_entries(ids)
    for seq, pk in enumerate(ids, start=1):
        digest = audit_chain.link_hash(prev, texts[pk])
        AuditSeal.objects.create(seq=seq, entry_id=pk, prev_hash=prev, hash=digest)
        prev = digest
    # an entry claiming an early transaction, sealed first after them
    forged = insert_entry(1, timezone.now() - timedelta(days=730))
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged)
    assert "backdated" in result.reason


@committed
@pytest.mark.parametrize("within", [True, False])
def test_an_entry_of_a_transaction_open_over_the_last_sealing_may_be_as_old_as_the_longest_one(
    sealed_with_a_gap, within
):
    # given: dated back as far as a transaction running over the last sealing could be
    last = head()
    reach = audit_chain.longest_transaction() + audit_chain.CLOCK_TOLERANCE
    back = reach - timedelta(minutes=1) if within else reach + timedelta(minutes=1)
    forged = insert_entry(last.xact + 1, last.sealed_at - back)
    # when
    result = verify()
    # then
    assert result.ok is within
    if not within:
        assert (result.first_bad, "backdated" in result.reason) == (forged, True)


@committed
def test_an_entry_dated_after_it_was_sealed_is_found(sealed_with_a_gap):
    # given
    forged = insert_entry(head().xact + 1, timezone.now() + timedelta(days=1))
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged)
    assert "after it was sealed" in result.reason


@committed
def test_an_entry_with_an_id_never_drawn_is_named_not_a_genuine_later_one(world, sealed_with_a_gap):
    # given: an oversized id, sealed; then a genuine write, sealed after it
    forged = insert_entry(head().xact + 1, timezone.now(), pk=1_000_000_000)
    seal()
    factories.incident(world.police, world.police_submitter, external_ref="IN-2")
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged)
    assert "never drawn" in result.reason
