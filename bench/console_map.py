"""Benchmark: the console's incidents map over 100,000 incidents one coordinator may see.

The fusion centre owns 40,000 incidents and the police share 60,000 more with it (share grants
and their permission rows); 20,000 further police incidents are not shared and must count
nowhere. All over Balochistan's districts, loaded with COPY. Signed in with Django's test
Client, it times (server time in-process, median after warm-ups) and sizes:

- the first map page, `GET /incidents/map/` (filters, the list's first page through the API);
- its first `GET /incidents/map.json` at province zoom (the whole province in view: grid
  clusters counted in SQL), a city view (Quetta at zoom 11), and a category filter;
- for comparison, the province view answered as every point (no server-side clusters).

    python bench/console_map.py [--incidents 100000] [--hidden 20000] [--repeat 10]
"""

import argparse
import io
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from common import setup_database

TLPS = ["CLEAR"] + ["GREEN"] * 30 + ["AMBER"] * 60 + ["AMBER+STRICT"] * 6 + ["RED"] * 3
CATEGORIES = ["armed-assault", "bombing-ied", "targeted-killing", "kidnapping", "extortion"]
PROVINCE = "61.5,24.8,70.3,32.1"
QUETTA = "66.85,30.10,67.10,30.27"
COLUMNS = (
    "id, agency_id, external_ref, occurred_at, reported_at, category, severity, killed, "
    "injured, latitude, longitude, district, description, tlp, contexts, status, version, "
    "created_at, updated_at, fingerprint"
)


def rows(rng: random.Random, agency_id: int, count: int, prefix: str) -> tuple[str, list]:
    """COPY text of `count` incidents around district centres; and their ids."""
    from incidents.districts import BALOCHISTAN_DISTRICTS

    centres = list(BALOCHISTAN_DISTRICTS.items())
    start = datetime(2024, 1, 1, tzinfo=UTC)
    buffer, ids = io.StringIO(), []
    for n in range(count):
        pk = uuid.uuid4()
        ids.append(pk)
        district, (lat, lon) = centres[rng.randrange(len(centres))]
        when = (start + timedelta(seconds=rng.randrange(2 * 365 * 86400))).isoformat()
        tlp = rng.choice(TLPS)
        if prefix == "S" and tlp in ("RED", "AMBER+STRICT"):
            tlp = "AMBER"  # only what an agency may share with another agency
        if prefix == "H" and tlp == "CLEAR":
            tlp = "GREEN"  # CLEAR would be visible to everyone
        buffer.write(
            f"{pk}\t{agency_id}\t{prefix}{n}\t{when}\t{when}\t{rng.choice(CATEGORIES)}"
            f"\t{rng.randint(1, 5)}\t0\t0\t{lat + rng.gauss(0, 0.08):.5f}"
            f"\t{lon + rng.gauss(0, 0.08):.5f}\t{district}\t\t{tlp}\t[]\topen\t1"
            f"\t{when}\t{when}\t{pk.hex}\n"
        )
    return buffer.getvalue(), ids


def load(visible: int, hidden: int):
    """COPY the incidents, grants and permission rows in; returns the coordinator."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    from tests import factories

    rng = random.Random(11)
    centre = factories.agency("bfc", "fusion_centre")
    police = factories.agency("police", "police")
    coordinator = factories.member(centre, "coordinator", "bench-coordinator")
    own, shared = visible * 2 // 5, visible - visible * 2 // 5
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for agency, count, prefix in ((centre, own, "O"), (police, shared, "S")):
            text, ids = rows(rng, agency.pk, count, prefix)
            with cursor.copy(f"COPY incidents_incident ({COLUMNS}) FROM STDIN") as copy:
                copy.write(text)
            if prefix == "S":
                shared_ids = ids
        text, _ = rows(rng, police.pk, hidden, "H")
        with cursor.copy(f"COPY incidents_incident ({COLUMNS}) FROM STDIN") as copy:
            copy.write(text)
        view = Permission.objects.get(codename="view_incident", content_type__app_label="incidents")
        at = datetime(2024, 1, 1, tzinfo=UTC).isoformat()
        grants = "".join(f"{pk}\t{centre.pk}\tview\tbench\texplicit\t{at}\t\n" for pk in shared_ids)
        perms = "".join(f"{view.pk}\t{centre.group_id}\t{pk}\n" for pk in shared_ids)
        with cursor.copy(
            "COPY fusion_sharegrant (incident_id, agency_id, level, purpose, origin, "
            "created_at, end_reason) FROM STDIN"
        ) as copy:
            copy.write(grants)
        with cursor.copy(
            "COPY incidents_incidentgroupobjectpermission (permission_id, group_id, "
            "content_object_id) FROM STDIN"
        ) as copy:
            copy.write(perms)
        cursor.execute("VACUUM ANALYZE")
    print(
        f"loaded {own:,} own + {shared:,} shared (+ {hidden:,} not shared) incidents in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return coordinator


def timed(client, url: str, params: dict, repeat: int) -> tuple[float, int, object]:
    """Median server time (ms) of GET url, the response's bytes, and the last response."""
    for _ in range(2):
        client.get(url, params)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], len(response.content), response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--hidden", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    setup_database("fusion_bench_console_map")

    from django.test import Client

    from incidents import map_clusters as incident_clusters
    from incidents.selectors import incidents_for_reading

    coordinator = load(args.incidents, args.hidden)
    print(f"visible to the coordinator: {incidents_for_reading(coordinator).count():,}")
    client = Client()
    client.force_login(coordinator)
    data = "/incidents/map.json"
    cases = [
        ("map page /incidents/map/", "/incidents/map/", {}),
        ("map.json province, zoom 6", data, {"view": PROVINCE, "zoom": 6}),
        ("map.json Quetta, zoom 11", data, {"view": QUETTA, "zoom": 11}),
        ("map.json province, one category", data, {"view": PROVINCE, "zoom": 6,
                                                    "category": "kidnapping"}),
    ]  # fmt: skip
    print(f"{'request':<36} {'median ms':>10} {'bytes':>11}  answer")
    for name, url, params in cases:
        ms, size, response = timed(client, url, params, args.repeat)
        what = f"HTTP {response.status_code}"
        if url == data:
            body = response.json()
            shown = len(body.get("clusters", body.get("points", [])))
            what += f", {body['mode']}: {shown:,} drawn for {body['total']:,} incidents"
        print(f"{name:<36} {ms:>10.1f} {size:>11,}  {what}")
    incident_clusters.POINT_LIMIT = 10**9  # the same view as every point, for comparison
    ms, size, response = timed(client, data, {"view": PROVINCE, "zoom": 6}, 3)
    body = response.json()
    print(f"{'map.json province, every point':<36} {ms:>10.1f} {size:>11,}  "
          f"{body['mode']}: {len(body['points']):,}")  # fmt: skip


if __name__ == "__main__":
    main()
