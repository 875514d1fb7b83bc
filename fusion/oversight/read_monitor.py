"""Misuse monitoring of reads: a user who read persons, or exported incidents, far above their
agency's norm in one window raises a finding for oversight (fusion.oversight.notifications).

This watches users' access, not the people in the records: a finding names the user, their
agency, the measure and the counts, never a person, an incident or a search term.

What is counted, from the audit log (successful entries with an actor):

- `person_reads`: reads of an incident's persons (`incident.persons_read`, API or admin) and
  national-id searches (`persons.search`), one per entry;
- `exported_incidents`: incidents in the user's exports (`incident.export`, its `count`).

Windows are fixed spans of MONITOR_READS_WINDOW_HOURS (default 24) aligned on the Unix epoch
(UTC days by default). A user's count is compared per acting agency with that agency's norm:
the median of the counts of the agency's *other* users over the window and the
MONITOR_READS_BASELINE_WINDOWS (default 28) windows before it, counting only user-windows with
at least one such read (a reader's ordinary day, not the days they did not read). The finding
is raised when the count exceeds max(MONITOR_READS_FACTOR x norm, the measure's floor)
(defaults: 5 x norm, 20 person reads, 2,000 exported incidents). The floor keeps small counts
in a quiet agency, or in an agency of one reader (norm 0), from raising anything; the median of
the others keeps one heavy reader from raising their own norm.

A run checks the window in progress (so a burst is seen within the hour when the check runs
hourly) and the one before it (complete). One finding per user, agency, measure and window:
a later run over the same window updates its figures and raises nothing new.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fusion.models import AuditEntry, MonitorFinding, MonitorRun
from fusion.oversight.monitor_runs import keep_finding, monitored

PERSON_READS = "person_reads"
EXPORTED = "exported_incidents"
EVENTS = {
    "incident.persons_read": PERSON_READS,
    "persons.search": PERSON_READS,
    "incident.export": EXPORTED,
}
CHECK = "unusual_reads"


@dataclass(frozen=True)
class Bounds:
    """The documented bounds of the check (settings MONITOR_READS_*)."""

    window: timedelta
    baseline_windows: int
    factor: float
    floors: dict[str, float]

    @classmethod
    def from_settings(cls) -> "Bounds":
        return cls(
            window=timedelta(hours=settings.MONITOR_READS_WINDOW_HOURS),
            baseline_windows=settings.MONITOR_READS_BASELINE_WINDOWS,
            factor=settings.MONITOR_READS_FACTOR,
            floors={
                PERSON_READS: settings.MONITOR_READS_FLOOR_PERSON_READS,
                EXPORTED: settings.MONITOR_READS_FLOOR_EXPORTED,
            },
        )


# (actor id, acting agency id or None, measure) → window index → count
Counts = dict[tuple[int, int | None, str], dict[int, float]]


def window_start(moment: datetime, window: timedelta) -> datetime:
    """The start of the window holding `moment` (windows aligned on the Unix epoch)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    span = window.total_seconds()
    return epoch + timedelta(seconds=((moment - epoch).total_seconds() // span) * span)


def unusual_reads_check(*, now: datetime | None = None) -> list[MonitorRun]:
    """Check the window in progress at `now` and the one before it; returns their runs.

    Actor: the system (a worker or the scheduler). Raises whatever the database raises; the
    run's `error` then says why and its `finished_at` stays empty."""
    bounds = Bounds.from_settings()
    now = now or timezone.now()
    current = window_start(now, bounds.window)
    return [
        _run(start, min(start + bounds.window, now), bounds)
        for start in (current - bounds.window, current)
    ]


def _run(start: datetime, end: datetime, bounds: Bounds) -> MonitorRun:
    def check(run: MonitorRun) -> tuple[int, int]:
        counts = _counts(start - bounds.baseline_windows * bounds.window, end, start, bounds)
        with transaction.atomic():
            found = _findings(counts, run, bounds)
        return len({(actor, agency) for actor, agency, _ in counts}), found

    return monitored(CHECK, start, end, check)


def _counts(since: datetime, until: datetime, start: datetime, bounds: Bounds) -> Counts:
    """Counts per (actor, agency, measure) and window index (0: the checked window, -1 the one
    before, …) from `since` to `until`."""
    entries = AuditEntry.objects.filter(
        event__in=list(EVENTS),
        outcome=AuditEntry.Outcome.SUCCESS,
        actor__isnull=False,
        timestamp__gte=since,
        timestamp__lt=until,
    ).values_list("actor_id", "acting_agency_id", "event", "timestamp", "additional_data")
    span = bounds.window.total_seconds()
    counts: Counts = defaultdict(lambda: defaultdict(float))
    for actor, agency, event, at, data in entries.iterator(chunk_size=5000):
        measure = EVENTS[event]
        amount = float((data or {}).get("count") or 0) if measure == EXPORTED else 1.0
        counts[(actor, agency, measure)][int((at - start).total_seconds() // span)] += amount
    return counts


def _findings(counts: Counts, run: MonitorRun, bounds: Bounds) -> int:
    """Findings for the users above their agency's norm in window 0; returns how many."""
    readers: defaultdict[tuple[int | None, str], list[tuple[int, float]]] = defaultdict(list)
    for (actor, agency, measure), per_window in counts.items():
        readers[(agency, measure)] += [(actor, v) for v in per_window.values() if v > 0]
    found = 0
    for (actor, agency, measure), per_window in counts.items():
        count, floor = per_window.get(0, 0.0), bounds.floors[measure]
        if count <= floor:
            continue
        # no acting agency: no peers to compare with, the floor decides
        peers = [v for other, v in readers[(agency, measure)] if other != actor] if agency else []
        norm = float(statistics.median(peers)) if peers else 0.0
        threshold = max(bounds.factor * norm, floor)
        if count > threshold:
            _record(run, actor, agency, measure, count, norm, threshold, bounds)
            found += 1
    return found


def _record(
    run: MonitorRun,
    actor: int,
    agency: int | None,
    measure: str,
    count: float,
    norm: float,
    threshold: float,
    bounds: Bounds,
) -> MonitorFinding:
    start = run.window_start
    key = f"{CHECK}:{measure}:{actor}:{agency or '-'}:{start.isoformat()}"
    figures = {
        "count": count,
        "norm": norm,
        "threshold": threshold,
        "window_end": run.window_end,
        "details": {
            "factor": bounds.factor,
            "floor": bounds.floors[measure],
            "window_hours": bounds.window.total_seconds() / 3600,
            "baseline_windows": bounds.baseline_windows,
        },
    }
    identity = {
        "kind": MonitorFinding.Kind.UNUSUAL_READS, "user_id": actor, "agency_id": agency,
        "measure": measure, "window_start": start, "run": run,
    }  # fmt: skip
    return keep_finding(key, identity, figures)
