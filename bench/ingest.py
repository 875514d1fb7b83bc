"""Benchmark: incidents per second through the bulk endpoint, the file importer and raw COPY.

One run, one PostgreSQL database, the same rows: batches of 5,000 through
POST /api/v1/incidents/bulk/ (validation, audit entry per record, an active sharing
agreement, matching), the same rows through `manage.py import_incidents` (chunks of 5,000),
the same through two client processes posting at once, and a raw `COPY` into a plain table
with the incident columns. Prints rates and ratios.

    python bench/ingest.py [--rows 30000]
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
    rng = random.Random(11)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = []
    for n in range(count):
        at = (start + timedelta(seconds=rng.randrange(300 * 86400))).isoformat()
        made.append({
            "external_ref": f"{prefix}-{n:07d}", "occurred_at": at, "reported_at": at,
            "category": rng.choice(CATEGORIES), "severity": rng.randint(1, 5),
            "killed": 0, "injured": rng.randint(0, 3), "latitude": round(rng.uniform(25, 31), 5),
            "longitude": round(rng.uniform(61, 70), 5), "district": "Quetta",
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    setup_database("fusion_bench_ingest")

    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from fusion.agreements import agreement_apply
    from fusion.models import SharingAgreement
    from incidents.models import Incident
    from tests import factories

    police, levies = factories.agency("police"), factories.agency("levies")
    submitter = factories.member(police, "submitter", "bench-submitter")
    agreement = SharingAgreement.objects.create(
        owner=police, recipient=levies, categories=["kidnapping", "bombing-ied"]
    )
    agreement_apply(agreement_id=agreement.pk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(submitter)}")

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

    stored = Incident.objects.count()
    print(f"rows per method: {args.rows:,}; incidents stored: {stored:,}")
    print(f"bulk endpoint (5,000/batch, audit + agreement + matching)  {api_rate:10,.0f} /s")
    print(f"bulk endpoint, 2 clients at once (2 worker processes)      {parallel_rate:10,.0f} /s")
    print(f"importer (JSON Lines, chunks of 5,000)                     {import_rate:10,.0f} /s")
    print(f"raw COPY into a plain table                                {copy_rate:10,.0f} /s")
    print(f"bulk endpoint / raw COPY  {api_rate / copy_rate:.1%}")
    print(f"2 clients / raw COPY      {parallel_rate / copy_rate:.1%}")
    print(f"importer / raw COPY       {import_rate / copy_rate:.1%}")


if __name__ == "__main__":
    main()
