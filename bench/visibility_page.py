"""Benchmark: the first incident page under permission filtering, at scale.

1,000,000 incidents of 50 agencies, 200,000 share grants (with their guardian rows) in
PostgreSQL. Times, side by side in one run, the first page of GET /api/v1/incidents/ for an
analyst who sees about 5% of incidents, for a member of the agency that owns most of what that
analyst sees... and the same page as a plain unfiltered query. Prints medians and ratios.

    python bench/visibility_page.py [--incidents 1000000] [--grants 200000]
"""

import argparse
import io
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from common import median_ms, setup_database

AGENCIES = 50
TLPS = ["CLEAR"] + ["GREEN"] * 20 + ["AMBER"] * 69 + ["AMBER+STRICT"] * 7 + ["RED"] * 3


def load(incidents: int, grants: int) -> dict:
    """COPY the synthetic world in; returns the ids the measurements need."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    from agencies.models import Membership, User
    from tests import factories

    rng = random.Random(7)
    agencies = [factories.agency(f"a{n:02d}", "police") for n in range(AGENCIES)]
    analyst = User.objects.create_user("bench-analyst")
    Membership.objects.create(user=analyst, agency=agencies[0], role="analyst")
    owner = User.objects.create_user("bench-owner")
    Membership.objects.create(user=owner, agency=agencies[1], role="analyst")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ids = [uuid.uuid4() for _ in range(incidents)]
    owners = [agencies[rng.randrange(AGENCIES)].pk for _ in range(incidents)]
    buffer = io.StringIO()
    for n, (pk, agency) in enumerate(zip(ids, owners, strict=True)):
        at = start + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        when = at.isoformat()
        buffer.write(
            f"{pk}\t{agency}\tR{n}\t{when}\t{when}\trobbery\t{rng.randint(1, 5)}"
            f"\t0\t0\t{rng.uniform(25, 31):.5f}\t{rng.uniform(61, 70):.5f}\tQuetta\t\t"
            f"{rng.choice(TLPS)}\t[]\topen\t1\t{when}\t{when}\t{pk.hex}\n"
        )
    columns = (
        "id",
        "agency_id",
        "external_ref",
        "occurred_at",
        "reported_at",
        "category",
        "severity",
        "killed",
        "injured",
        "latitude",
        "longitude",
        "district",
        "description",
        "tlp",
        "contexts",
        "status",
        "version",
        "created_at",
        "updated_at",
        "fingerprint",  # unique per row: no two are copies of one event
    )
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(f"COPY incidents_incident ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        print(f"loaded {incidents:,} incidents in {time.perf_counter() - started:.1f} s")
    # Grants: ~2% of incidents to the analyst's agency, the rest spread over the others.
    view = Permission.objects.get(codename="view_incident", content_type__app_label="incidents")
    to_analyst = int(incidents * 0.02)
    grant_rows, perm_rows = io.StringIO(), io.StringIO()
    groups = {a.pk: a.group_id for a in agencies}
    seen = set()
    for n in range(grants):
        i = rng.randrange(incidents)
        recipient = agencies[0].pk if n < to_analyst else agencies[rng.randrange(1, AGENCIES)].pk
        if recipient == owners[i] or (i, recipient) in seen:
            continue
        seen.add((i, recipient))
        grant_rows.write(f"{ids[i]}\t{recipient}\tview\tbench\texplicit\t{start.isoformat()}\t\n")
        perm_rows.write(f"{view.pk}\t{groups[recipient]}\t{ids[i]}\n")
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY fusion_sharegrant (incident_id, agency_id, level, purpose, origin, "
            "created_at, end_reason) FROM STDIN"
        ) as copy:
            copy.write(grant_rows.getvalue())
        with cursor.copy(
            "COPY incidents_incidentgroupobjectpermission (permission_id, group_id, "
            "content_object_id) FROM STDIN"
        ) as copy:
            copy.write(perm_rows.getvalue())
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded {len(seen):,} share grants and their permission rows")
    return {"analyst": analyst, "owner": owner}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--grants", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    setup_database("fusion_bench_visibility")

    from rest_framework.test import APIClient

    from fusion.sharing.visibility import visible_incidents
    from incidents.models import Incident
    from tests import factories

    users = load(args.incidents, args.grants)
    analyst, owner = users["analyst"], users["owner"]
    share = visible_incidents(analyst).count() / args.incidents
    print(
        f"analyst sees {share:.1%} of incidents; owner-agency member sees "
        f"{visible_incidents(owner).count() / args.incidents:.1%}"
    )

    def api(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
        return lambda: client.get("/api/v1/incidents/").json()["results"]

    def page(queryset):
        return lambda: list(queryset.order_by("-occurred_at", "-id")[:51])

    figures = {
        "sql page, unfiltered": median_ms(page(Incident.objects.all()), repeat=args.repeat),
        "sql page, analyst (5%)": median_ms(page(visible_incidents(analyst)), repeat=args.repeat),
        "sql page, owner agency": median_ms(page(visible_incidents(owner)), repeat=args.repeat),
        "api page, analyst (5%)": median_ms(api(analyst), repeat=args.repeat),
        "api page, owner agency": median_ms(api(owner), repeat=args.repeat),
    }
    for name, ms in figures.items():
        print(f"{name:<26} median {ms:8.2f} ms")
    base = figures["sql page, unfiltered"]
    print(f"ratio analyst/unfiltered (sql)  {figures['sql page, analyst (5%)'] / base:.2f}")
    print(f"ratio owner/unfiltered (sql)    {figures['sql page, owner agency'] / base:.2f}")
    print(
        f"ratio analyst/owner (api)       "
        f"{figures['api page, analyst (5%)'] / figures['api page, owner agency']:.2f}"
    )


if __name__ == "__main__":
    main()
