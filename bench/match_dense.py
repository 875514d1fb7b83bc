"""Benchmark: ingest into a dense place, where many agencies' incidents share matching cells
and time buckets (deconfliction's worst case).

Three agencies post in turn, through POST /api/v1/incidents/bulk/ in batches of 50, records in
neighbouring 1/50-degree cells (30.19 to 30.24 N at 67.01 E) and six-hour buckets, until about
`--rows` are stored there; then the time of one more bulk of 50 there, of one single record
there (POST /api/v1/incidents/), and of a bulk of 50 elsewhere. Prints the match rows and the
audit entries about matches per stored incident, which grew with the square of the incidents
when every pair was stored. Asserts nothing about speed.

    python bench/match_dense.py [--rows 700]
"""

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import setup_database

AT = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 10:00 at +05:00
BULK = 50


def records(count: int, start: int, *, dense: bool = True) -> list[dict]:
    made = []
    for n in range(start, start + count):
        at = AT + timedelta(minutes=n % 300)
        lat = 30.19 + 0.05 * ((n * 37) % 1000) / 1000 if dense else 25.0 + (n % 500) * 0.01
        made.append({
            "external_ref": f"DENSE-{n:06d}", "occurred_at": at.isoformat(),
            "reported_at": (at + timedelta(hours=6)).isoformat(), "category": "bombing-ied",
            "severity": 3, "killed": 0, "injured": 1, "latitude": round(lat, 5),
            "longitude": 67.01 if dense else 62.0 + (n % 300) * 0.01,
            "description": "benchmark incident", "tlp": "AMBER",
        })  # fmt: skip
    return made


def timed_post(client, url: str, body: dict) -> float:
    began = time.perf_counter()
    response = client.post(url, json.dumps(body), content_type="application/json")
    elapsed = time.perf_counter() - began
    assert response.status_code in (200, 201), response.content[:300]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=700)
    parser.add_argument("--database", default="fusion_bench_match_dense")
    args = parser.parse_args()
    setup_database(args.database)

    from rest_framework.test import APIClient

    from fusion.models import AuditEntry, Match
    from incidents.models import Incident
    from tests import factories

    clients = []
    for code in ("police", "levies", "ctd"):
        agency = factories.agency(code, "police")
        client = APIClient()
        token = factories.token(factories.member(agency, "submitter", f"bench-{code}"))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        clients.append(client)
    assert clients[0].get("/healthz").status_code == 200

    stored, turn, fill = 0, 0, []
    while stored < args.rows:
        body = {"incidents": records(BULK, stored)}
        fill.append(timed_post(clients[turn % 3], "/api/v1/incidents/bulk/", body))
        stored, turn = stored + BULK, turn + 1
    dense_bulk = timed_post(
        clients[turn % 3], "/api/v1/incidents/bulk/", {"incidents": records(BULK, stored)}
    )
    single = timed_post(clients[(turn + 1) % 3], "/api/v1/incidents/", records(1, stored + BULK)[0])
    elsewhere = timed_post(
        clients[(turn + 2) % 3],
        "/api/v1/incidents/bulk/",
        {"incidents": records(BULK, 100_000, dense=False)},
    )

    incidents = Incident.objects.count()
    matches = Match.objects.count()
    entries = AuditEntry.objects.filter(event__startswith="match.").count()
    rows = [
        ("incidents stored", f"{incidents:,d}"),
        ("match rows", f"{matches:,d} ({matches / incidents:.2f} per incident)"),
        ("audit entries about matches", f"{entries:,d} ({entries / incidents:.2f} per incident)"),
        (
            f"filling bulks of {BULK}: first / median / last",
            f"{fill[0]:.2f} / {statistics.median(fill):.2f} / {fill[-1]:.2f} s",
        ),
        (f"bulk of {BULK} into the dense cells", f"{dense_bulk:.3f} s"),
        ("single record into the dense cells", f"{single:.3f} s"),
        (f"bulk of {BULK} elsewhere", f"{elsewhere:.3f} s"),
    ]
    for label, figure in rows:
        print(f"{label:<48} {figure}")


if __name__ == "__main__":
    main()
