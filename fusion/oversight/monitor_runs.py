"""What the monitoring checks share (read_monitor, bias_drift, metric_drift): a check runs as
one MonitorRun that keeps its error if it fails, and each finding is kept once per key, its
figures brought up to date when a later run measures them again (never a second finding, so
never a second notification)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from fusion.models import MonitorFinding, MonitorRun

FIGURES = ("count", "norm", "threshold", "details")


def monitored(
    kind: str, start: datetime, end: datetime, check: Callable[[MonitorRun], tuple[int, int]]
) -> MonitorRun:
    """Run `check` (which returns how many units it checked and how many findings it made)
    as a MonitorRun of `kind` over [start, end). A failure is recorded on the run (`error`)
    and raised again."""
    run = MonitorRun.objects.create(kind=kind, window_start=start, window_end=end)
    try:
        checked, found = check(run)
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"
        run.save(update_fields=["error"])
        raise
    run.checked, run.found, run.finished_at = checked, found, timezone.now()
    run.save(update_fields=["checked", "found", "finished_at"])
    return run


def keep_finding(key: str, identity: dict[str, Any], figures: dict[str, Any]) -> MonitorFinding:
    """The finding of `key`: made with `identity` (kind, agency, measure, window, run, …) and
    `figures` (count, norm, threshold, window_end, details), or, when it exists, given the
    new figures if any of them changed."""
    finding, created = MonitorFinding.objects.get_or_create(
        key=key, defaults={**identity, **figures}
    )
    if not created and any(getattr(finding, name) != figures[name] for name in FIGURES):
        for name, value in figures.items():
            setattr(finding, name, value)
        finding.updated_at = timezone.now()
        finding.save()
    return finding
