"""Public transparency statistics: monthly counts of what Fusion did, under disclosure control.

Each measure is one table: a count per complete calendar month (UTC) of the last twelve. A
count from 1 to k - 1 (FUSION_TRANSPARENCY_MIN_CELL) is suppressed (null). A table's total is
published only when none of its months is suppressed, so no suppressed count can be worked
out from a total — neither within one publication nor by comparing publications as the
window moves on: a complete month's count, and whether it is shown, never change, and the
month in progress is never published. Zeros are published: they disclose no one. Besides
counts, only the backtest metrics of each method on reference data are published (never
those measured on an assessment's inputs); no row is about a person or an incident.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analytics.choices import Decision
from analytics.models import Assessment, BacktestRun
from analytics.registry import METHODS, MODEL_STATUS, method_version
from fusion.choices import ComplaintStatus
from fusion.models import AuditEntry, Complaint, ShareGrant
from incidents.models import Incident

MONTHS = 12


@dataclass(frozen=True)
class Table:
    cells: list[int | None]
    total: int | None


def suppress(counts: Sequence[int], k: int) -> Table:
    """The counts as published: small ones hidden, and the total only when none is."""
    cells = [None if 0 < n < k else n for n in counts]
    total = sum(counts) if None not in cells else None
    return Table(cells, total)


def months(now: datetime, count: int = MONTHS) -> list[datetime]:
    """The first instants (UTC) of the last `count` complete calendar months, oldest first
    (the month in progress is left out: its count still changes)."""
    current = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first = (current - timedelta(days=1)).replace(day=1)
    starts = [first]
    for _ in range(count - 1):
        previous = starts[-1].replace(day=1) - timedelta(days=1)
        starts.append(previous.replace(day=1))
    return starts[::-1]


def _monthly(queryset: QuerySet, field: str, starts: list[datetime]) -> list[int]:
    end = (starts[-1] + timedelta(days=32)).replace(day=1)
    rows = (
        queryset.filter(**{f"{field}__gte": starts[0], f"{field}__lt": end})
        .annotate(month=TruncMonth(field, tzinfo=UTC))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    found = dict(rows)
    return [found.get(start, 0) for start in starts]


def measures() -> dict[str, tuple[QuerySet, str]]:
    """name → (what is counted, the time it is counted by). Every count is of events that
    stay as they were (a review decision, not an assessment's current status, which a later
    withdrawal changes), so a complete month's count never changes."""
    events = AuditEntry.objects.filter
    return {
        "incidents_recorded": (Incident.objects.all(), "created_at"),
        "shares_granted": (ShareGrant.objects.all(), "created_at"),
        "person_data_reads": (
            events(event__in=["incident.persons_read", "persons.search"]),
            "timestamp",
        ),
        "exports": (events(event="incident.export"), "timestamp"),
        "assessments_approved": (
            Assessment.objects.filter(decision=Decision.APPROVE),
            "reviewed_at",
        ),
        "assessments_rejected": (
            Assessment.objects.filter(decision=Decision.REJECT),
            "reviewed_at",
        ),
        "complaints_received": (Complaint.objects.all(), "received_at"),
        "complaints_upheld": (
            Complaint.objects.filter(decision=ComplaintStatus.UPHELD),
            "decided_at",
        ),
        "complaints_rejected": (
            Complaint.objects.filter(decision=ComplaintStatus.REJECTED),
            "decided_at",
        ),
    }


def statistics(now: datetime | None = None) -> dict:
    """Everything the transparency endpoint publishes."""
    k = settings.FUSION_TRANSPARENCY_MIN_CELL
    starts = months(now or timezone.now())
    tables = {}
    for name, (queryset, field) in measures().items():
        table = suppress(_monthly(queryset, field, starts), k)
        tables[name] = {"monthly": table.cells, "total": table.total}
    return {
        "months": [start.strftime("%Y-%m") for start in starts],
        "suppression": {
            "min_cell": k,
            "rule": "counts from 1 to min_cell - 1 are null; a total only when no month is",
        },
        "measures": tables,
        "models": [_model_metrics(kind) for kind in METHODS],
    }


def _model_metrics(kind: str) -> dict:
    """A method's version and its latest backtest on reference data (runs measured on an
    assessment's inputs are not published: their data was not public)."""
    run = (
        BacktestRun.objects.filter(method=kind, assessment__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    backtest = None
    if run is not None:
        backtest = {"dataset": run.dataset, "date": run.created_at.date(), "values": run.metrics}
    return {
        "method": kind,
        "version": method_version(kind),
        "status": MODEL_STATUS,
        "backtest": backtest,
    }
