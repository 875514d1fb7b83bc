"""Drift of the bias checks across approved results: a district flagged out of proportion to
its incidents, or the same places flagged again and again, result after result.

Each result carries its own bias checks (analytics.methods.bias): per district its share of
the flagged incidents against its share of all incidents (`district_disparity`, with
`above_ratio` when the ratio passes the result's `ratio_warn`), and how many of its flags
were flagged in the previous run of the same question (`persistence`, above the limit when
`share_repeated` passes `persistence_warn`). One result above a limit is a warning its
reviewer reads; the same limit crossed in result after result is the pattern of a feedback
loop (Ensign et al. 2018; Lum & Isaac 2016), which no single reviewer sees. This check looks
for it, for oversight:

Per agency and method, over the results approved in the last BIAS_DRIFT_LOOKBACK_DAYS
(default 90; withdrawn results left out), a finding is raised when

- `district_disparity`: one district is above the ratio limit in at least
  BIAS_DRIFT_MIN_RESULTS (default 3) results, or
- `flag_persistence`: the share of repeated flags is above its limit in at least
  BIAS_DRIFT_MIN_RESULTS results.

Findings are per week (windows of 7 days aligned on the epoch): at most one per agency,
method, measure and district a week, however often the check runs. They hold counts of
results and the mean disparity; never an incident or a person.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.choices import Status
from analytics.models import Assessment
from fusion.models import MonitorFinding, MonitorRun
from fusion.oversight.monitor_runs import keep_finding, monitored
from fusion.oversight.read_monitor import window_start

CHECK = "bias_drift"
WEEK = timedelta(days=7)
DISPARITY = "district_disparity"
PERSISTENCE = "flag_persistence"


def bias_drift_check(*, now: datetime | None = None) -> MonitorRun:
    """Check the approved results of the lookback period ending at `now`; returns the run.

    Actor: the system. A failure is recorded on the run (`error`) and raised again."""
    now = now or timezone.now()
    lookback = timedelta(days=settings.BIAS_DRIFT_LOOKBACK_DAYS)

    def check(run: MonitorRun) -> tuple[int, int]:
        tallies = _tallies(now - lookback, now)
        with transaction.atomic():
            found = [_record(run, now, *item) for item in _crossed(tallies)]
        return len(tallies), len(found)

    return monitored(CHECK, now - lookback, now, check)


Tally = dict[str, Any]  # results, per-district results above and disparities, persistent


def _tallies(since: datetime, until: datetime) -> dict[tuple[int, str], Tally]:
    """Per (agency, method): the results looked at and, per district, those above the ratio
    limit with their disparities; and the results above the persistence limit."""
    rows = Assessment.objects.filter(
        status=Status.APPROVED, reviewed_at__gte=since, reviewed_at__lt=until
    ).values_list("agency_id", "kind", "result")
    tallies: dict[tuple[int, str], Tally] = {}
    for agency, kind, result in rows.iterator(chunk_size=200):
        checks = (result or {}).get("bias_checks") or {}
        tally = tallies.setdefault(
            (agency, kind), {"results": 0, "above": defaultdict(list), "persistent": 0}
        )
        tally["results"] += 1
        for row in checks.get("district_disparity") or []:
            if row.get("above_ratio"):
                tally["above"][row["district"]].append(row["disparity"])
        persistence = checks.get("persistence") or {}
        limit = (checks.get("thresholds") or {}).get("persistence_warn", 0.8)
        share = persistence.get("share_repeated")
        if share is not None and share > limit:
            tally["persistent"] += 1
    return tallies


def _crossed(tallies: dict[tuple[int, str], Tally]) -> list[tuple]:
    """(agency, method, measure, district, results above, results, details) crossing."""
    least = settings.BIAS_DRIFT_MIN_RESULTS
    out = []
    for (agency, kind), tally in sorted(tallies.items()):
        for district, ratios in sorted(tally["above"].items()):
            if len(ratios) >= least:
                mean = sum(ratios) / len(ratios)
                details = {"mean_disparity": round(mean, 3)}
                out.append(
                    (agency, kind, DISPARITY, district, len(ratios), tally["results"], details)
                )
        if tally["persistent"] >= least:
            out.append((agency, kind, PERSISTENCE, "", tally["persistent"], tally["results"], {}))
    return out


def _record(
    run: MonitorRun,
    now: datetime,
    agency: int,
    kind: str,
    measure: str,
    district: str,
    above: int,
    results: int,
    details: dict,
) -> MonitorFinding:
    week = window_start(now, WEEK)
    key = f"{CHECK}:{measure}:{agency}:{kind}:{district}:{week.isoformat()}"
    figures = {
        "count": float(above),
        "norm": float(results),
        "threshold": float(settings.BIAS_DRIFT_MIN_RESULTS),
        "window_end": now,
        "details": {
            "method": kind, "district": district or None, **details,
            "lookback_days": settings.BIAS_DRIFT_LOOKBACK_DAYS,
        },
    }  # fmt: skip
    identity = {
        "kind": MonitorFinding.Kind.BIAS_DRIFT, "agency_id": agency, "measure": measure,
        "window_start": week, "run": run,
    }  # fmt: skip
    return keep_finding(key, identity, figures)
