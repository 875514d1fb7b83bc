"""Signed checkpoints: a chain rewritten consistently from an early entry on, or cut short,
still verifies on its own, but not against a checkpoint taken before; a checkpoint whose
contents or signature were changed is refused."""

import base64
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fusion.audit.chain import GENESIS, canonical_entries, link_hash, verify
from fusion.audit.checkpoint import CheckpointError, take_checkpoint, verify_against
from fusion.models import AuditEntry, AuditSeal
from tests import factories

pytestmark = pytest.mark.django_db

SEED = base64.b64encode(bytes(range(32))).decode()
OTHER_SEED = base64.b64encode(bytes(range(1, 33))).decode()


@pytest.fixture(autouse=True)
def _key(settings):
    settings.AUDIT_CHECKPOINT_KEY = SEED
    settings.AUDIT_CHECKPOINT_PUBLIC_KEY = ""


@pytest.fixture
def checkpoint(world):
    for n in range(3):
        factories.incident(world.police, world.police_submitter, external_ref=f"CP-{n}")
    return take_checkpoint()


def as_superuser(*statements: tuple[str, list]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def relink_everything() -> None:
    """What an intruder who rewrote an entry does next: recompute every link."""
    links = list(AuditSeal.objects.order_by("seq"))
    texts = canonical_entries([link.entry_id for link in links])
    prev, statements = GENESIS, []
    for link in links:
        digest = link_hash(prev, texts[link.entry_id], link)
        statements.append(
            ("UPDATE fusion_auditseal SET prev_hash = %s, hash = %s WHERE seq = %s",
             [prev, digest, link.seq])
        )  # fmt: skip
        prev = digest
    as_superuser(*statements)


def test_a_checkpoint_verifies_and_so_does_the_chain_grown_since(world, checkpoint):
    # given
    factories.incident(world.police, world.police_submitter, external_ref="CP-later")
    # when
    result = verify_against(checkpoint)
    # then
    assert result.ok
    assert result.checked > checkpoint["seq"]


def test_a_consistently_rewritten_chain_fails_against_the_checkpoint(checkpoint):
    # given an early entry changed and every link recomputed
    first = AuditEntry.objects.order_by("pk").first()
    as_superuser(("UPDATE fusion_auditentry SET purpose = 'nothing' WHERE id = %s", [first.pk]))
    relink_everything()
    # then the chain alone cannot tell
    assert verify().ok
    # but the checkpoint can
    result = verify_against(checkpoint)
    assert (result.ok, result.first_bad) == (False, checkpoint["entry_id"])
    assert "rewritten" in result.reason


def test_a_truncated_chain_fails_against_the_checkpoint(checkpoint):
    # given the newest entries and their links removed
    last = checkpoint["seq"]
    doomed = list(AuditSeal.objects.filter(seq__gt=last - 2).values_list("entry_id", flat=True))
    as_superuser(
        ("DELETE FROM fusion_auditseal WHERE seq > %s", [last - 2]),
        ("DELETE FROM fusion_auditentry WHERE id = ANY(%s)", [doomed]),
    )
    # then
    assert verify().ok
    result = verify_against(checkpoint)
    assert result.ok is False
    assert "truncated" in result.reason


@pytest.mark.parametrize(
    "change",
    [{"hash": "0" * 64}, {"seq": 1}, {"signature": "AAAA"}, {"time": "2020-01-01T00:00:00"}],
)
def test_a_changed_checkpoint_is_refused(checkpoint, change):
    with pytest.raises(CheckpointError):
        verify_against({**checkpoint, **change})


def test_a_checkpoint_signed_with_another_key_is_refused(checkpoint, settings):
    # given: verifiers hold the public key of another signer
    settings.AUDIT_CHECKPOINT_KEY = OTHER_SEED
    other = take_checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = SEED
    # then: the key a file carries is not trusted
    with pytest.raises(CheckpointError):
        verify_against(other)


def test_the_commands_write_and_check_checkpoint_files(checkpoint, tmp_path):
    # given
    out = StringIO()
    call_command("audit_checkpoint", "--out", str(tmp_path), stdout=out)
    path = out.getvalue().strip().splitlines()[-1]
    assert json.loads(Path(path).read_text())["seq"] >= checkpoint["seq"]
    verified = StringIO()
    call_command("verify_audit", "--checkpoint", path, stdout=verified)
    assert json.loads(verified.getvalue().splitlines()[-1])["ok"] is True
    # when the chain is cut: every entry after the first, and its link
    as_superuser(
        ("DELETE FROM fusion_auditentry WHERE id IN "
         "(SELECT entry_id FROM fusion_auditseal WHERE seq > 1)", []),
        ("DELETE FROM fusion_auditseal WHERE seq > 1", []),
    )  # fmt: skip
    # then
    with pytest.raises(CommandError, match="truncated"):
        call_command("verify_audit", "--checkpoint", path, stdout=StringIO())


def test_without_a_key_no_checkpoint_is_signed(settings, world):
    settings.AUDIT_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_CHECKPOINT_KEY"):
        call_command("audit_checkpoint", stdout=StringIO())
