"""Public transparency statistics: monthly counts of what Fusion did, under disclosure control.

Each measure is one table: a count per calendar month (UTC) of the last twelve, and their
total. A count from 1 to k - 1 (FUSION_TRANSPARENCY_MIN_CELL) is suppressed (null), and so
is enough else that no suppressed count can be worked out from what is published: a table
never has exactly one suppressed month while its total is shown, and the suppressed months'
sum (the total minus the months shown) always exceeds their number, so none of them is pinned
to 1. Suppression adds the smallest months shown first; when none is left, the total goes.
Zeros are published: they disclose no one. Only counts and the model cards' backtest metrics
are published; no row is about a person or an incident.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analytics.choices import Status as AssessmentStatus
from analytics.models import Assessment
from analytics.registry import METHODS, model_card
from fusion.choices import ComplaintStatus
from fusion.models import AuditEntry, Complaint, ShareGrant
from incidents.models import Incident

MONTHS = 12


@dataclass(frozen=True)
class Table:
    cells: list[int | None]
    total: int | None


def suppress(counts: Sequence[int], k: int) -> Table:
    """The counts as published: small ones hidden, with complementary suppression."""
    hidden = {i for i, n in enumerate(counts) if 0 < n < k}
    total: int | None = sum(counts)
    if 0 < sum(counts) < k:
        hidden |= {i for i, n in enumerate(counts) if n > 0}
        total = None
    while total is not None and hidden and _derivable(counts, hidden):
        shown = sorted((n, i) for i, n in enumerate(counts) if i not in hidden and n > 0)
        if shown:
            hidden.add(shown[0][1])
        else:
            total = None
    return Table([None if i in hidden else n for i, n in enumerate(counts)], total)


def _derivable(counts: Sequence[int], hidden: set[int]) -> bool:
    """With the total shown, one hidden count is its difference; and hidden counts (each at
    least 1, since zeros are shown) summing to their number are all 1."""
    hidden_sum = sum(counts[i] for i in hidden)
    return len(hidden) == 1 or hidden_sum <= len(hidden)


def months(now: datetime, count: int = MONTHS) -> list[datetime]:
    """The first instants (UTC) of the last `count` calendar months, oldest first."""
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(count - 1):
        previous = starts[-1].replace(day=1) - timedelta(days=1)
        starts.append(previous.replace(day=1))
    return starts[::-1]


def _monthly(queryset: QuerySet, field: str, starts: list[datetime]) -> list[int]:
    rows = (
        queryset.filter(**{f"{field}__gte": starts[0]})
        .annotate(month=TruncMonth(field, tzinfo=UTC))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    found = dict(rows)
    return [found.get(start, 0) for start in starts]


def measures() -> dict[str, tuple[QuerySet, str]]:
    """name → (what is counted, the time it is counted by)."""
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
            Assessment.objects.filter(status=AssessmentStatus.APPROVED),
            "reviewed_at",
        ),
        "assessments_rejected": (
            Assessment.objects.filter(status=AssessmentStatus.REJECTED),
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
        "suppression": {"min_cell": k, "rule": "counts from 1 to min_cell - 1 are null"},
        "measures": tables,
        "models": [_model_metrics(kind) for kind in METHODS],
    }


def _model_metrics(kind: str) -> dict:
    card = model_card(kind)
    latest = card["metrics"]["latest_backtest"]
    return {
        "method": card["method"],
        "version": card["version"],
        "status": card["status"],
        "backtest": None if latest is None else {
            "dataset": latest["dataset"], "created_at": latest["created_at"],
            "values": latest["values"],
        },
    }  # fmt: skip
