"""The audit hash chain: an untouched trail verifies; an edited, deleted, forged, swapped or
never-sealed entry is named as the first bad one (tampering done as the database superuser,
as an intruder with database access would)."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from fusion import audit_chain
from fusion.audit_chain import seal, verify
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
    # then
    assert first.prev_hash == audit_chain.GENESIS
    assert second.prev_hash == first.hash
    assert second.hash == hashlib.sha256((first.hash + text).encode()).hexdigest()
    assert f'"id" : {second.entry_id},' in text


def test_every_column_of_an_entry_is_covered():
    columns = {field.column for field in AuditEntry._meta.concrete_fields}
    assert columns == set(audit_chain.CHAIN_COLUMNS)


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


def test_an_entry_committed_behind_a_sealed_one_is_sealed_too(world, trail):
    # given: an entry whose id is below one already sealed (its transaction committed later)
    late = AuditEntry.objects.create(
        pk=trail[-1] + 5, content_type_id=1, object_pk="x", object_repr="x", action=3
    )
    seal()
    straggler = AuditEntry.objects.create(
        pk=trail[-1] + 2, content_type_id=1, object_pk="y", object_repr="y", action=3
    )
    # when
    result = verify()
    # then
    assert result.ok
    assert AuditSeal.objects.order_by("-seq").first().entry_id == straggler.pk
    assert AuditSeal.objects.filter(entry_id=late.pk).exists()


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


def test_a_forged_entry_slipped_in_far_behind_the_chain_is_found(trail, monkeypatch):
    # given: an entry inserted with an id long since sealed past
    monkeypatch.setattr(audit_chain, "LOOKBACK", 2)
    forged = AuditEntry.objects.create(
        pk=trail[0] - 1, content_type_id=1, object_pk="1", object_repr="forged", action=3
    )
    # when
    result = verify()
    # then
    assert (result.ok, result.first_bad) == (False, forged.pk)
    assert result.reason == "entry was never sealed"


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
