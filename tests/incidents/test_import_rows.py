"""Records on every ingest route, row by row: a null district is a blank one (filled from the
place); `POST import/` names bad CSV lines by their line number whichever check refuses them;
`import_incidents` names every row's status with `-v 2` and gives each rejected row with its
errors."""

import csv
import io
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/import/"


def csv_body(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def csv_row(ref: str, **overrides) -> dict:
    row = {k: v for k, v in factories.payload(external_ref=ref).items() if k != "persons"}
    row["contexts"] = ";".join(row.get("contexts", []))
    return {**row, **overrides}


def import_file(tmp_path: Path, records: list[dict], *extra: str) -> tuple[str, list[dict]]:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = StringIO()
    call_command(
        "import_incidents", str(source), "--agency", "police",
        "--rejects", str(tmp_path / "rej.jsonl"), *extra, stdout=out,
    )  # fmt: skip
    rejects = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    return out.getvalue(), rejects


def test_a_null_district_is_filled_from_the_place_on_a_single_post(world, client_for):
    # when
    response = client_for(world.police_submitter).post(
        "/api/v1/incidents/", factories.payload(district=None), format="json"
    )
    # then
    assert response.status_code == 201, response.content
    assert response.json()["district"] == "Quetta"


def test_a_null_district_is_filled_from_the_place_in_bulk(world, client_for):
    # given
    records = [factories.payload(external_ref="N-1", district=None)]
    # when
    response = client_for(world.police_submitter).post(
        "/api/v1/incidents/bulk/", {"incidents": records}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    assert Incident.objects.get().district == "Quetta"


def test_a_null_district_is_filled_from_the_place_on_import(world, tmp_path):
    # when
    _, rejects = import_file(tmp_path, [factories.payload(external_ref="N-2", district=None)])
    # then
    assert rejects == []
    assert Incident.objects.get().district == "Quetta"


def test_csv_rule_errors_are_named_by_line(world, client_for):
    # given: data lines 2 to 4; line 3 names an unknown district, line 4 a place outside Kech
    rows = [
        csv_row("R-1"),
        csv_row("R-2", district="Nowhere"),
        csv_row("R-3", district="Kech"),
    ]
    # when
    response = client_for(world.police_submitter).post(
        IMPORT, csv_body(rows), content_type="text/csv"
    )
    # then
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) == {"lines"}
    assert set(errors["lines"]) == {"3", "4"}
    assert "district" in errors["lines"]["3"]
    assert "latitude" in errors["lines"]["4"]
    assert not Incident.objects.exists()


@pytest.fixture
def mixed() -> list[dict]:
    """Lines 1 to 5: good, bad severity, unknown district, place outside its district, good."""
    return [
        factories.payload(external_ref="M-1"),
        factories.payload(external_ref="M-2", severity=9),
        factories.payload(external_ref="M-3", district="Nowhere"),
        factories.payload(external_ref="M-4", district="Kech"),
        factories.payload(external_ref="M-5"),
    ]


def test_a_verbose_dry_run_names_every_row_with_its_status(world, tmp_path, mixed):
    # when
    output, _ = import_file(tmp_path, mixed, "--dry-run", "--verbosity", "2")
    # then
    assert re.findall(r"line (\d+): (\S+) (\w+)", output) == [
        ("1", "M-1", "created"),
        ("2", "M-2", "rejected"),
        ("3", "M-3", "rejected"),
        ("4", "M-4", "rejected"),
        ("5", "M-5", "created"),
    ]


def test_every_rejected_row_is_written_with_its_errors(world, tmp_path, mixed):
    # when
    _, rejects = import_file(tmp_path, mixed)
    # then
    assert [r["line"] for r in rejects] == [2, 3, 4]
    assert [r["row"]["external_ref"] for r in rejects] == ["M-2", "M-3", "M-4"]
    assert "severity" in rejects[0]["errors"]
    assert "district" in rejects[1]["errors"]
    assert "latitude" in rejects[2]["errors"]
    assert set(Incident.objects.values_list("external_ref", flat=True)) == {"M-1", "M-5"}
