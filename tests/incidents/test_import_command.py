"""The file importer on real SFPD data, with a corrupted line, resume and dry run."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection

from fusion.models import AuditEntry
from incidents.models import ImportRun, Incident
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SF = ROOT.parent / "shared" / "data" / "sf-crime-2012h2.csv"
MAPPING = ROOT / "docs" / "mappings" / "sf-crime.json"


@pytest.fixture
def sf_slice(tmp_path, settings):
    """The first 300 data rows of the SF file, with line 11 (data row 10) corrupted. Its rows
    name SFPD districts: they are checked against the san-francisco register."""
    settings.FUSION_DISTRICT_REGISTER = "san-francisco"
    lines = SF.read_text().splitlines()[:301]
    lines[10] = lines[10].replace(",", ";", 5)  # wrong number of columns
    cols = lines[20].split(",")
    lines[20] = ",".join([cols[0], "JAYWALKING", *cols[2:]])  # a category we do not map
    path = tmp_path / "sf.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, lines


def run(path, *extra, tmp=None):
    out = StringIO()
    call_command(
        "import_incidents",
        str(path),
        "--agency",
        "police",
        "--mapping",
        str(MAPPING),
        "--rejects",
        str(path) + ".rej",
        "--chunk",
        "100",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_sf_slice_imports_with_bad_rows_rejected_by_line(world, sf_slice):
    path, lines = sf_slice
    # when
    output = run(path)
    # then
    rejects = [json.loads(x) for x in Path(str(path) + ".rej").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [11, 21]
    assert "row" in rejects[0]["errors"]
    assert "category" in rejects[1]["errors"]
    rows = list(csv.DictReader(lines))
    expected = {
        f"SF-{row['incident_number']}-{row['category']}"
        for number, row in enumerate(rows, start=2)
        if number not in (11, 21)
    }
    stored = set(Incident.objects.values_list("external_ref", flat=True))
    assert stored == expected
    assert Incident.objects.count() == len(expected)
    incident = Incident.objects.get(external_ref="SF-120516979-ROBBERY")
    assert incident.category_id == "robbery"
    assert (round(incident.latitude, 4), round(incident.longitude, 4)) == (37.7132, -122.4535)
    assert incident.occurred_at.isoformat() == "2012-07-01T20:00:00+00:00"
    assert "rejected" in output
    assert "2 rejected" in output
    assert "rows [" in output
    assert "/s" in output
    run_row = ImportRun.objects.get()
    assert (run_row.status, run_row.position, run_row.rejected) == ("done", 300, 2)
    assert (
        AuditEntry.objects.filter(content_type__model="incident", event="bulk_upsert").count()
        == Incident.objects.count()
    )


def test_reimport_is_idempotent_upsert(world, sf_slice):
    path, _ = sf_slice
    run(path)
    count = Incident.objects.count()
    versions = dict(Incident.objects.values_list("external_ref", "version"))
    output = run(path, "--restart")
    assert Incident.objects.count() == count
    assert f"0 created, 0 updated, {count} unchanged" in output
    assert dict(Incident.objects.values_list("external_ref", "version")) == versions


def test_interrupted_import_resumes_after_last_committed_chunk(world, sf_slice):
    # given: a run that committed 200 rows, then stopped
    path, _ = sf_slice
    run(path)
    first = set(Incident.objects.values_list("external_ref", flat=True))
    Incident.objects.all().delete()
    ImportRun.objects.update(status="failed", position=200)
    # when
    output = run(path)
    # then: only rows after 200 were read again
    assert "resuming import" in output
    after = set(Incident.objects.values_list("external_ref", flat=True))
    assert after
    assert after < first
    assert ImportRun.objects.get().status == "done"


def test_chunk_and_run_position_commit_together(world, sf_slice):
    # given: the database refuses to record a position past row 200 (a failure between a
    # chunk's upsert and the record of how far the run got)
    path, _ = sf_slice
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_position() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.position > 200 THEN RAISE EXCEPTION 'position refused'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_position BEFORE UPDATE ON incidents_importrun "
            "FOR EACH ROW EXECUTE FUNCTION refuse_position()"
        )
    # when
    with pytest.raises(DatabaseError, match="position refused"):
        run(path)
    # then: the third chunk's incidents went with its position
    stored = ImportRun.objects.get()
    assert (stored.status, stored.position) == ("failed", 200)
    kept = Incident.objects.count()
    assert kept == stored.created
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_position ON incidents_importrun")
    # and: the resumed run writes each remaining row once, updating nothing
    output = run(path)
    assert "resuming import" in output
    assert Incident.objects.count() > kept
    assert ImportRun.objects.get().updated == 0


def test_dry_run_writes_nothing(world, sf_slice):
    path, _ = sf_slice
    output = run(path, "--dry-run")
    assert "would import" in output
    assert Incident.objects.count() == 0
    assert not ImportRun.objects.exists()


def test_jsonl_with_fusion_field_names(world, tmp_path):
    good = factories.payload(external_ref="J-1")
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps(good)
        + "\n{not json\n"
        + json.dumps({**good, "external_ref": "J-2", "severity": 7})
        + "\n"
    )
    out = StringIO()
    call_command(
        "import_incidents",
        str(path),
        "--agency",
        "police",
        "--rejects",
        str(tmp_path / "r.jsonl"),
        stdout=out,
    )
    assert list(Incident.objects.values_list("external_ref", flat=True)) == ["J-1"]
    rejects = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2, 3]


def test_unknown_agency_and_bad_mapping_are_command_errors(world, sf_slice):
    path, _ = sf_slice
    with pytest.raises(CommandError):
        call_command("import_incidents", str(path), "--agency", "nope", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "import_incidents",
            str(path),
            "--agency",
            "police",
            "--map",
            "external_ref={no_such_column}",
            stdout=StringIO(),
        )
