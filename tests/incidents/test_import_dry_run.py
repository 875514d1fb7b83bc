"""`import_incidents --dry-run` writes nothing at all (no service account, no run, no
incident, no audit entry: every table keeps its rows), yet checks every row as the import
does, reports the same rejects and counts what it would create, update and leave unchanged."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from agencies.models import User
from fusion.models import AuditEntry, SharingAgreement
from fusion.sharing.agreements import agreement_apply
from tests import factories

pytestmark = pytest.mark.django_db

ACCOUNT = "svc.police.file-import"


def rows_of_every_model() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


def run(source: Path, rejects: Path, *extra: str) -> str:
    out = StringIO()
    call_command(
        "import_incidents", str(source), "--agency", "police", "--rejects", str(rejects),
        "--chunk", "2", *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


@pytest.fixture
def source(world, tmp_path) -> Path:
    """Seven rows: one new, one as stored, one changing a stored incident, one with an unknown
    category, one copying a levies incident police sees through an agreement, and one new
    reference repeated in a later chunk (created, then updated)."""
    agreement = SharingAgreement.objects.create(
        owner=world.levies,
        recipient=world.police,
        categories=["robbery"],
        created_by=world.levies_admin,
    )
    theirs = factories.incident(
        world.levies, world.levies_submitter, category="robbery", description="Bank robbed"
    )
    agreement_apply(agreement_id=agreement.pk)
    stored = [
        factories.record(external_ref="D-SAME"),
        factories.record(external_ref="D-CHANGED", severity=2),
    ]
    for record in stored:
        factories.incident(world.police, world.police_submitter, **record)
    same, changed = (factories.payload(**record) for record in stored)
    copy = factories.payload(
        external_ref="D-COPY",
        occurred_at=theirs.occurred_at.isoformat(),
        reported_at=theirs.reported_at.isoformat(),
        latitude=theirs.latitude,
        longitude=theirs.longitude,
        category="robbery",
        description="bank  ROBBED",
    )
    records = [
        factories.payload(external_ref="D-NEW"),
        same,
        {**changed, "severity": 4},
        factories.payload(external_ref="D-BAD", category="jaywalking"),
        copy,
        factories.payload(external_ref="D-TWICE", injured=1),
        factories.payload(external_ref="D-TWICE", injured=2, description="again"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_dry_run_writes_no_row_of_any_table(source, tmp_path):
    # given
    before = rows_of_every_model()
    entries = AuditEntry.objects.count()
    # when
    output = run(source, tmp_path / "dry.rej", "--dry-run")
    # then
    assert rows_of_every_model() == before
    assert AuditEntry.objects.count() == entries
    assert not User.objects.filter(username=ACCOUNT).exists()
    assert "would import: 2 created, 2 updated, 1 unchanged, 2 rejected" in output


def test_dry_run_rejects_and_counts_what_the_import_does(source, tmp_path):
    # when
    dry = run(source, tmp_path / "dry.rej", "--dry-run")
    real = run(source, tmp_path / "real.rej")
    # then: the same rejects (by line, with the same errors) and the same counts
    dry_rejects = (tmp_path / "dry.rej").read_text().splitlines()
    assert dry_rejects == (tmp_path / "real.rej").read_text().splitlines()
    assert [json.loads(r)["line"] for r in dry_rejects] == [4, 5]
    assert "content" in json.loads(dry_rejects[1])["errors"]
    counts = "2 created, 2 updated, 1 unchanged, 2 rejected"
    assert f"would import: {counts}" in dry
    assert f"imported: {counts}" in real


def test_dry_run_with_the_account_made_writes_nothing_either(source, tmp_path):
    # given: an import ran before, so the account exists
    run(source, tmp_path / "real.rej")
    before = rows_of_every_model()
    # when
    output = run(source, tmp_path / "dry.rej", "--dry-run")
    # then: a second import would change only the repeated reference (twice)
    assert rows_of_every_model() == before
    assert "would import: 0 created, 2 updated, 3 unchanged, 2 rejected" in output


def test_dry_run_names_what_it_would_do_with_each_row(source, tmp_path):
    # when
    output = run(source, tmp_path / "dry.rej", "--dry-run", "--verbosity", "2")
    # then: every row named with its status, rows 4 and 5 rejected
    assert re.findall(r"line \d+: (\S+ \w+)", output) == [
        "D-NEW created",
        "D-SAME unchanged",
        "D-CHANGED updated",
        "D-BAD rejected",
        "D-COPY rejected",
        "D-TWICE created",
        "D-TWICE updated",
    ]
