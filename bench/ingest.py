"""Benchmark: incidents per second through the bulk endpoint, the file importer and raw COPY.

One run, one PostgreSQL database, the same rows: batches of 5,000 through
POST /api/v1/incidents/bulk/ (validation, audit entry per record, an active sharing
agreement, matching), the same rows through `manage.py import_incidents` (chunks of 5,000),
the same through two client processes posting at once, a raw `COPY` into a plain table
with the incident columns, and the database floor: COPY into the incident table itself plus
one audit entry per row, with no application work. Then the audit chain: sealing every entry
those writes made (fusion.audit.chain, which beat runs every minute) and verifying the chain.
Prints rates and ratios.

    python bench/ingest.py [--rows 30000] [--preload 1000000]
"""

import argparse
import csv
import io
import json
import multiprocessing
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import setup_database

BATCH = 5000
URL = "/api/v1/incidents/bulk/"
CATEGORIES = ["robbery", "kidnapping", "bombing-ied", "narcotics", "extortion"]


def rows(count: int, prefix: str) -> list[dict]:
    """Records spread over Balochistan's districts, each within 11 km of its headquarters
    and naming its district (checked against the district register at ingest)."""
    from incidents.districts import BALOCHISTAN_DISTRICTS

    rng = random.Random(11)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    places = sorted(BALOCHISTAN_DISTRICTS.items())
    made = []
    for n in range(count):
        at = (start + timedelta(seconds=rng.randrange(300 * 86400))).isoformat()
        district, (lat, lon) = rng.choice(places)
        made.append({
            "external_ref": f"{prefix}-{n:07d}", "occurred_at": at, "reported_at": at,
            "category": rng.choice(CATEGORIES), "severity": rng.randint(1, 5),
            "killed": 0, "injured": rng.randint(0, 3),
            "latitude": round(lat + rng.uniform(-0.1, 0.1), 5),
            "longitude": round(lon + rng.uniform(-0.1, 0.1), 5), "district": district,
            "description": "benchmark incident", "tlp": "AMBER",
        })  # fmt: skip
    return made


def bodies(all_rows: list[dict]) -> list[bytes]:
    """Request bodies of BATCH records, encoded before any timer starts: encoding is the
    client's work (an agency system on another machine), not the server's."""
    return [
        json.dumps({"incidents": all_rows[i : i + BATCH]}).encode()
        for i in range(0, len(all_rows), BATCH)
    ]


def post(client: Any, body: bytes) -> None:
    response = client.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]


def _post_batches(token: str, batches: list[bytes], start: Any) -> None:
    """One client process: wait for the start signal, then post its batches in turn."""
    from django.db import connection
    from rest_framework.test import APIClient

    connection.close()  # a connection of its own, not the parent's
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    start.wait()
    for body in batches:
        post(client, body)


def concurrent_rate(token: str, all_rows: list[dict], clients: int = 2) -> float:
    """Incidents/s with `clients` processes posting disjoint batches at once (as a server with
    that many worker processes would take them): Python and PostgreSQL overlap on two cores."""
    from django.db import connection

    batches = bodies(all_rows)
    connection.close()
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [
        context.Process(target=_post_batches, args=(token, batches[k::clients], start))
        for k in range(clients)
    ]
    for worker in workers:
        worker.start()
    time.sleep(1.0)  # let every client set up
    began = time.perf_counter()
    start.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    assert all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers]
    return len(all_rows) / elapsed


def floor_rate(all_rows: list[dict], agency_id: int, actor_id: int) -> float:
    """Incidents/s for the database work no implementation of the endpoint can skip: per
    batch of 5,000, one transaction that COPYs the rows into the incident table itself (its
    indexes, checks and foreign keys) and one audit entry per row (changes prebuilt as an
    insert's would be). The COPY text is prepared before the clock starts, so this is
    PostgreSQL's work alone: no parsing, validation, upsert, sharing or matching."""
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from incidents.models import Incident

    content_type = ContentType.objects.get_for_model(Incident).pk
    now = datetime.now(UTC).isoformat()
    incident_columns = ["id", "agency_id", "created_by_id", "version", "created_at",
                        "updated_at", "contexts", "status", "fingerprint",
                        *all_rows[0]]  # fmt: skip
    audit_columns = ["object_pk", "object_repr", "action", "changes_text", "changes",
                     "timestamp", "purpose", "outcome", "event", "content_type_id",
                     "object_agency_id", "acting_agency_id", "actor_id", "cid",
                     "additional_data"]  # fmt: skip
    batches = []
    for start in range(0, len(all_rows), BATCH):
        incidents, entries = io.StringIO(), io.StringIO()
        incident_csv, entry_csv = csv.writer(incidents), csv.writer(entries)
        for row in all_rows[start : start + BATCH]:
            pk = str(uuid.uuid4())
            incident_csv.writerow(
                [pk, agency_id, actor_id, 1, now, now, "[]", "open", fingerprint(row),
                 *row.values()]
            )  # fmt: skip
            changes = {name: ["None", str(value)] for name, value in row.items()}
            entry_csv.writerow([
                pk, f"{agency_id}:{row['external_ref']}", 0, "", json.dumps(changes), now, "",
                "success", "bulk_upsert", content_type, agency_id, agency_id, actor_id,
                "bench", json.dumps({"object_agency_id": agency_id}),
            ])  # fmt: skip
        batches.append((incidents.getvalue(), entries.getvalue()))
    started = time.perf_counter()
    for incidents, entries in batches:
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, text in (
                ("incidents_incident", incident_columns, incidents),
                ("fusion_auditentry", audit_columns, entries),
            ):
                with cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, NULL '\\N')"
                ) as copy:
                    copy.write(text)
    return len(all_rows) / (time.perf_counter() - started)


def fingerprint(row: dict) -> str:
    """The incident's content fingerprint, as every write path stores it."""
    from incidents.rules import event_fingerprint

    return event_fingerprint(
        occurred_at=datetime.fromisoformat(row["occurred_at"]), latitude=row["latitude"],
        longitude=row["longitude"], category=row["category"], description=row["description"],
    )  # fmt: skip


def preload(count: int, agency_id: int) -> None:
    """`count` incidents of another agency over the same area and the ten years 2016 to 2025,
    which hold the measured rows' dates (another agency's years of records, as a back-fill
    meets them), loaded with COPY, then vacuumed and analysed as autovacuum leaves them."""
    import uuid

    from django.db import connection

    rng = random.Random(5)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    columns = ["id", "agency_id", "version", "created_at", "updated_at", "contexts", "status",
               "external_ref", "occurred_at", "reported_at", "category", "severity", "killed",
               "injured", "latitude", "longitude", "district", "description", "tlp",
               "fingerprint"]  # fmt: skip
    with connection.cursor() as cursor:
        for first in range(0, count, 100_000):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for n in range(first, min(count, first + 100_000)):
                at = (start + timedelta(seconds=rng.randrange(10 * 365 * 86400))).isoformat()
                row = {
                    "occurred_at": at, "category": rng.choice(CATEGORIES),
                    "latitude": round(rng.uniform(25, 31), 5),
                    "longitude": round(rng.uniform(61, 70), 5), "description": "older incident",
                }  # fmt: skip
                writer.writerow([
                    uuid.uuid4(), agency_id, 1, at, at, "[]", "open", f"OLD-{n}", at, at,
                    row["category"], 3, 0, 0, row["latitude"], row["longitude"], "Quetta",
                    row["description"], "AMBER", fingerprint(row),
                ])  # fmt: skip
            with cursor.copy(
                f"COPY incidents_incident ({', '.join(columns)}) FROM STDIN WITH CSV"
            ) as copy:
                copy.write(buffer.getvalue())
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        help="incidents of another agency already stored, over ten years (e.g. 1000000)",
    )
    args = parser.parse_args()
    setup_database("fusion_bench_ingest")

    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from fusion.models import SharingAgreement
    from fusion.sharing.agreements import agreement_apply
    from incidents.models import Incident
    from tests import factories

    police, levies = factories.agency("police"), factories.agency("levies")
    submitter = factories.member(police, "submitter", "bench-submitter")
    agreement = SharingAgreement.objects.create(
        owner=police, recipient=levies, categories=["kidnapping", "bombing-ied"]
    )
    agreement_apply(agreement_id=agreement.pk)
    if args.preload:
        preload(args.preload, levies.pk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(submitter)}")

    # A server process is measured warm: its first request loads the URLconf and with it
    # every view and the analytics stack (~3 s here), which config/wsgi.py does at start-up.
    assert client.get("/healthz").status_code == 200

    api_rows = rows(args.rows, "API")
    api_bodies = bodies(api_rows)
    started = time.perf_counter()
    for body in api_bodies:
        post(client, body)
    api_rate = len(api_rows) / (time.perf_counter() - started)

    parallel_rate = concurrent_rate(factories.token(submitter), rows(args.rows, "PAR"))

    file_rows = rows(args.rows, "FILE")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in file_rows))
        started = time.perf_counter()
        call_command(
            "import_incidents",
            str(path),
            "--agency",
            "police",
            "--chunk",
            str(BATCH),
            "--rejects",
            str(Path(folder) / "rejects.jsonl"),
            stdout=io.StringIO(),
        )
        import_rate = len(file_rows) / (time.perf_counter() - started)

    floor = floor_rate(rows(args.rows, "FLOOR"), police.pk, submitter.pk)

    columns = list(file_rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(args.rows, "COPY"):
        writer.writerow([row[c] for c in columns])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE plain_incident AS SELECT * FROM incidents_incident WITH NO DATA"
        )
        started = time.perf_counter()
        with cursor.copy(f"COPY plain_incident ({', '.join(columns)}) FROM STDIN WITH CSV") as copy:
            copy.write(buffer.getvalue())
        copy_rate = args.rows / (time.perf_counter() - started)

    from fusion.audit.chain import seal, verify
    from fusion.models import AuditEntry

    entries = AuditEntry.objects.count()
    started = time.perf_counter()
    sealed = seal()
    seal_rate = sealed / (time.perf_counter() - started)
    started = time.perf_counter()
    checked = verify().checked
    verify_rate = checked / (time.perf_counter() - started)

    stored = Incident.objects.count()
    print(f"rows per method: {args.rows:,}; preloaded: {args.preload:,}; stored: {stored:,}")
    print(f"bulk endpoint (5,000/batch, audit + agreement + matching)  {api_rate:10,.0f} /s")
    print(f"bulk endpoint, 2 clients at once (2 worker processes)      {parallel_rate:10,.0f} /s")
    print(f"importer (JSON Lines, chunks of 5,000)                     {import_rate:10,.0f} /s")
    print(f"floor: COPY into the incident table + audit entries (no app) {floor:8,.0f} /s")
    print(f"raw COPY into a plain table                                {copy_rate:10,.0f} /s")
    print(f"audit chain: sealing {sealed:,} of {entries:,} entries  {seal_rate:10,.0f} /s")
    print(f"audit chain: verifying {checked:,} links                 {verify_rate:10,.0f} /s")
    print(f"bulk endpoint / raw COPY  {api_rate / copy_rate:.1%}")
    print(f"2 clients / raw COPY      {parallel_rate / copy_rate:.1%}")
    print(f"importer / raw COPY       {import_rate / copy_rate:.1%}")
    print(f"floor / raw COPY          {floor / copy_rate:.1%}")
    print(f"bulk endpoint / floor     {api_rate / floor:.1%}")


if __name__ == "__main__":
    main()
