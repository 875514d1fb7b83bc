"""Public transparency statistics: monthly counts of what Fusion did, under disclosure control.

Each measure is one table: a count per complete calendar month (UTC) of the last twelve. A
count from 1 to k - 1 (FUSION_TRANSPARENCY_MIN_CELL) is suppressed (null). A table's total is
published only when none of its months is suppressed, so no suppressed count can be worked
out from a total — neither within one publication nor by comparing publications as the
window moves on: a complete month's count, and whether it is shown, never change, and the
month in progress is never published. Zeros are published: they disclose no one. Besides
counts, only the backtest metrics of each method on reference data are published (never
those measured on an assessment's inputs); no row is about a person or an incident.

Accesses to personal data (person reads, searches, exports) are also counted by purpose code
(fusion.purpose; entries from before codes count as `other`). That breakdown sums, month by
month, to two published tables (person_data_reads + exports), so a month's codes are shown
whole or not at all: only when none of its cells is small and both of those months are
shown. Hiding a single cell would not do: the month's sum and the other codes give it back,
as the codes would give back a hidden person_data_reads or exports month. A code's total
follows the rule of every table.

Flags of approved results (analytics.flags) are counted when raised, acknowledged and given an
outcome (incident or none), across agencies and never per agency or person. Their KPIs
(`flag_kpis`) are derived only from counts that are shown: a month's median hours to
acknowledge when its acknowledgements are shown and not 0; its false-positive rate when both
outcome counts are shown; per method from a breakdown of the outcome tables under the rule of
the purpose breakdown; the forecasts' realised hit rate when neither its hits nor its misses
are from 1 to k - 1.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median

from django.conf import settings
from django.db.models import Count, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from analytics.choices import Decision
from analytics.kpis import ratio
from analytics.models import Assessment, BacktestRun, Flag
from analytics.registry import METHODS, method_status, method_version
from fusion.choices import ComplaintStatus
from fusion.models import AuditEntry, Complaint, PurposeCode, ShareGrant
from fusion.purpose import DEFAULT_CODE
from incidents.models import Incident

MONTHS = 12
PERSON_DATA_READS = ("incident.persons_read", "persons.search")
EXPORTS = ("incident.export",)


@dataclass(frozen=True)
class Table:
    cells: list[int | None]
    total: int | None


def suppress(counts: Sequence[int], k: int) -> Table:
    """The counts as published: small ones hidden, and the total only when none is."""
    cells = [None if 0 < n < k else n for n in counts]
    total = sum(counts) if None not in cells else None
    return Table(cells, total)


def suppress_breakdown(
    rows: dict[str, Sequence[int]], parts: Sequence[Table], k: int
) -> dict[str, Table]:
    """A breakdown as published, whose months sum to the published tables `parts`: a month's
    cells only when none is small and every part shows that month; a row's total only when
    none of its months is hidden."""
    width = len(parts[0].cells) if parts else max(map(len, rows.values()), default=0)
    shown = [
        all(part.cells[m] is not None for part in parts)
        and not any(0 < row[m] < k for row in rows.values())
        for m in range(width)
    ]
    tables = {}
    for name, row in rows.items():
        cells = [n if shown[m] else None for m, n in enumerate(row)]
        tables[name] = Table(cells, sum(row) if all(shown) else None)
    return tables


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
    first, end = _window(starts)
    rows = (
        queryset.filter(**{f"{field}__gte": first, f"{field}__lt": end})
        .annotate(month=TruncMonth(field, tzinfo=UTC))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    found = dict(rows)
    return [found.get(start, 0) for start in starts]


def _window(starts: list[datetime]) -> tuple[datetime, datetime]:
    return starts[0], (starts[-1] + timedelta(days=32)).replace(day=1)


def _by_purpose(starts: list[datetime]) -> dict[str, list[int]]:
    """Accesses to personal data per purpose code and month: every code of the list (and any
    an entry names), `other` for entries stating words only."""
    first, end = _window(starts)
    code = Coalesce(
        KeyTextTransform("purpose_code", "additional_data"),
        Value(DEFAULT_CODE),
        output_field=TextField(),
    )
    rows = (
        AuditEntry.objects.filter(
            event__in=PERSON_DATA_READS + EXPORTS, timestamp__gte=first, timestamp__lt=end
        )
        .annotate(month=TruncMonth("timestamp", tzinfo=UTC), code=code)
        .values("month", "code")
        .annotate(n=Count("pk"))
        .values_list("code", "month", "n")
    )
    found = {(c, month): n for c, month, n in rows}
    codes = {DEFAULT_CODE, *PurposeCode.objects.values_list("code", flat=True)}
    codes |= {c for c, _ in found}
    return {c: [found.get((c, start), 0) for start in starts] for c in sorted(codes)}


def measures() -> dict[str, tuple[QuerySet, str]]:
    """name → (what is counted, the time it is counted by). Every count is of events that
    stay as they were (a review decision, not an assessment's current status, which a later
    withdrawal changes), so a complete month's count never changes."""
    events = AuditEntry.objects.filter
    return {
        "incidents_recorded": (Incident.objects.all(), "created_at"),
        "shares_granted": (ShareGrant.objects.all(), "created_at"),
        "person_data_reads": (events(event__in=PERSON_DATA_READS), "timestamp"),
        "exports": (events(event__in=EXPORTS), "timestamp"),
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
        # flags of approved results, each counted in the month it was raised, acknowledged,
        # or given its outcome (analytics.flags): events that stay as they were
        "flags_raised": (Flag.objects.all(), "created_at"),
        "flags_acknowledged": (
            Flag.objects.filter(acknowledged_at__isnull=False),
            "acknowledged_at",
        ),
        FLAG_OUTCOMES[True]: (Flag.objects.filter(outcome=True), "outcome_at"),
        FLAG_OUTCOMES[False]: (Flag.objects.filter(outcome=False), "outcome_at"),
    }


FLAG_OUTCOMES = {True: "flag_outcomes_incident", False: "flag_outcomes_no_incident"}


def _month_index(starts: list[datetime]) -> Callable[[datetime], int]:
    """The index among `starts` of the month a time (in the window) falls in."""
    index = {start: m for m, start in enumerate(starts)}

    def month(t: datetime) -> int:
        return index[t.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)]

    return month


def _shown(*counts: int | None, k: int) -> bool:
    """Whether figures derived from these counts may be published: none is hidden or small."""
    return all(n is not None and not 0 < n < k for n in counts)


def _flag_outcomes_by_method(starts: list[datetime], published: dict, k: int) -> dict:
    """Flag outcomes per method and month (of the outcome), as breakdowns of the two outcome
    tables, and the false-positive rate where both of a month's cells are shown."""
    first, end = _window(starts)
    month = _month_index(starts)
    counts = {o: {kind: [0] * len(starts) for kind in METHODS} for o in FLAG_OUTCOMES}
    rows = Flag.objects.filter(outcome__isnull=False, outcome_at__gte=first, outcome_at__lt=end)
    for kind, outcome, at in rows.values_list("kind", "outcome", "outcome_at"):
        counts[outcome][kind][month(at)] += 1
    tables = {
        o: suppress_breakdown(counts[o], [published[FLAG_OUTCOMES[o]]], k) for o in FLAG_OUTCOMES
    }
    out = {}
    for kind in METHODS:
        yes, no = tables[True][kind].cells, tables[False][kind].cells
        out[kind] = {
            "incident": _as_json(tables[True][kind]),
            "no_incident": _as_json(tables[False][kind]),
            "false_positive_rate": [
                ratio(n, y + n) if y is not None and n is not None else None
                for y, n in zip(yes, no, strict=True)
            ],
        }
    return out


def _forecast_hits(starts: list[datetime], k: int) -> list[float | None]:
    """Per month (of the outcomes' computation): incidents in flagged forecast cells over
    incidents in the forecasts' grids, where neither the hits nor the misses are small."""
    first, end = _window(starts)
    month = _month_index(starts)
    hits, areas = defaultdict(int), {}
    rows = Flag.objects.filter(
        kind="forecast", outcome_source="computed", outcome_at__gte=first, outcome_at__lt=end
    ).values_list("assessment_id", "outcome_at", "outcome_incidents", "place")
    for assessment, at, n, place in rows:
        hits[(month(at), assessment)] += n or 0
        areas[(month(at), assessment)] = (place or {}).get("area_incidents") or 0
    rates = []
    for m in range(len(starts)):
        hit = sum(v for (mm, _), v in hits.items() if mm == m)
        total = sum(v for (mm, _), v in areas.items() if mm == m)
        rates.append(ratio(hit, total) if _shown(hit, total - hit, k=k) else None)
    return rates


def flag_kpis(starts: list[datetime], published: dict, k: int) -> dict:
    """KPIs of flags across agencies per month, derived only from figures that are published:
    median hours to acknowledge (of the month's acknowledgements, when their count is shown),
    false-positive rate (of the month's outcomes, when both outcome counts are shown), the
    same per method (from its breakdown), and the forecasts' realised hit rate."""
    first, end = _window(starts)
    month = _month_index(starts)
    hours = defaultdict(list)
    acknowledged = Flag.objects.filter(acknowledged_at__gte=first, acknowledged_at__lt=end)
    for created, at in acknowledged.values_list("created_at", "acknowledged_at"):
        hours[month(at)].append((at - created).total_seconds() / 3600)
    shown = published["flags_acknowledged"].cells
    yes, no = (published[FLAG_OUTCOMES[o]].cells for o in (True, False))
    return {
        "median_hours_to_acknowledge": [
            round(median(hours[m]), 2) if shown[m] else None for m in range(len(starts))
        ],
        "false_positive_rate": [
            ratio(n, y + n) if y is not None and n is not None else None
            for y, n in zip(yes, no, strict=True)
        ],
        "by_method": _flag_outcomes_by_method(starts, published, k),
        "forecast_hit_rate": _forecast_hits(starts, k),
    }


def statistics(now: datetime | None = None) -> dict:
    """Everything the transparency endpoint publishes."""
    k = settings.FUSION_TRANSPARENCY_MIN_CELL
    starts = months(now or timezone.now())
    published = {
        name: suppress(_monthly(queryset, field, starts), k)
        for name, (queryset, field) in measures().items()
    }
    parts = [published["person_data_reads"], published["exports"]]
    by_purpose = suppress_breakdown(_by_purpose(starts), parts, k)
    return {
        "months": [start.strftime("%Y-%m") for start in starts],
        "suppression": {
            "min_cell": k,
            "rule": "counts from 1 to min_cell - 1 are null; a total only when no month is",
            "breakdown_rule": (
                "accesses_by_purpose sums to person_data_reads + exports: a month's codes are "
                "all null when one is from 1 to min_cell - 1 or either of those is null"
            ),
            "flag_kpis_rule": (
                "derived only from shown counts: a rate or median is null when a count it is "
                "made of is null or from 1 to min_cell - 1; by_method sums to the outcome tables "
                "and follows breakdown_rule"
            ),
        },
        "measures": {name: _as_json(table) for name, table in published.items()},
        "accesses_by_purpose": {code: _as_json(table) for code, table in by_purpose.items()},
        "flag_kpis": flag_kpis(starts, published, k),
        "models": [_model_metrics(kind) for kind in METHODS],
    }


def _as_json(table: Table) -> dict:
    return {"monthly": table.cells, "total": table.total}


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
        "status": method_status(kind),
        "backtest": backtest,
    }
