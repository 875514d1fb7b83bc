"""Key performance indicators of flags: are flags acted on, and were they right?

Computed over a set of flags (an agency's of a period, a report's), each flag counted in the
period in which it was raised (its result's approval, `created_at`):
- `flags`: how many;
- `acknowledged`, `acknowledged_share`: how many its agency acknowledged, and that over flags;
- `hours_to_acknowledge`: median and mean of acknowledged_at - created_at, in hours, over the
  acknowledged ones;
- `actions`: the acknowledged ones by action (patrol, inquiry, none);
- `with_outcome`, `incident_occurred`, `no_incident`: flags with an outcome, and of those the
  ones where an incident occurred there in the period (for links: the pair is one event) and
  where none did;
- `false_positive_rate`: no_incident / with_outcome; also `by_method` (kind of the result) and
  `by_district` (the flag's district, "(none)" when unknown);
- `forecast_hit_rate`: over the forecasts' flags with computed outcomes, incidents that fell in
  flagged cells in the forecast period / incidents anywhere in the forecasts' grids in that
  period (analytics.flag_outcomes: what the agency saw when it was computed).
A ratio with a zero denominator is null, never 0. Flags are about places; nothing is counted
per person (who acknowledged is kept for accountability, never summarised).

Beside the flags' KPIs, `time_to_insight`: hours from the request of a result to its approval
(`created_at` to `reviewed_at`), count, median and mean over the results approved in the
period; time to decision is `hours_to_acknowledge` (the flag, raised at the approval, to its
acknowledgement).
"""

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from analytics import periods
from analytics.choices import FlagAction, Kind
from analytics.models import Assessment, Flag

KPI_PERIODS = ("week", "month")
FIELDS = (
    "kind", "district", "created_at", "acknowledged_at", "action", "outcome",
    "outcome_incidents", "place", "assessment_id",
)  # fmt: skip


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _rates(outcomes: list[bool]) -> dict[str, Any]:
    missed = outcomes.count(False)
    n = len(outcomes)
    return {"with_outcome": n, "no_incident": missed, "rate": ratio(missed, n)}


def _hit_rate(rows: list[dict]) -> dict[str, Any]:
    hits: Counter = Counter()
    areas: dict = {}
    for row in rows:
        area = (row["place"] or {}).get("area_incidents")
        if row["kind"] != Kind.FORECAST or row["outcome_incidents"] is None or area is None:
            continue
        hits[row["assessment_id"]] += row["outcome_incidents"]
        areas[row["assessment_id"]] = area
    hit, total = sum(hits.values()), sum(areas.values())
    return {"forecasts": len(areas), "hits": hit, "incidents": total, "rate": ratio(hit, total)}


def hours_between(pairs: list[tuple[datetime, datetime]]) -> dict[str, Any]:
    """Count, median and mean of the hours from each pair's first time to its second."""
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs]
    return {
        "count": len(hours),
        "median": round(statistics.median(hours), 2) if hours else None,
        "mean": round(statistics.fmean(hours), 2) if hours else None,
    }


def flag_kpis(rows: list[dict]) -> dict[str, Any]:
    """The KPIs of these flags (rows of FIELDS; see the module docstring)."""
    acked = [r for r in rows if r["acknowledged_at"] is not None]
    delays = hours_between([(r["created_at"], r["acknowledged_at"]) for r in acked])
    decided = [r for r in rows if r["outcome"] is not None]
    by_method, by_district = defaultdict(list), defaultdict(list)
    for row in decided:
        by_method[row["kind"]].append(row["outcome"])
        by_district[row["district"] or "(none)"].append(row["outcome"])
    outcomes = [r["outcome"] for r in decided]
    return {
        "flags": len(rows),
        "acknowledged": len(acked),
        "acknowledged_share": ratio(len(acked), len(rows)),
        "hours_to_acknowledge": {"median": delays["median"], "mean": delays["mean"]},
        "actions": {a: sum(r["action"] == a for r in acked) for a in FlagAction.values},
        "with_outcome": len(decided),
        "incident_occurred": outcomes.count(True),
        "no_incident": outcomes.count(False),
        "false_positive_rate": ratio(outcomes.count(False), len(outcomes)),
        "false_positive_rate_by_method": {k: _rates(v) for k, v in sorted(by_method.items())},
        "false_positive_rate_by_district": {k: _rates(v) for k, v in sorted(by_district.items())},
        "forecast_hit_rate": _hit_rate(rows),
    }


def kpis_of(flags: QuerySet[Flag]) -> dict[str, Any]:
    """The KPIs of a set of flags, in one query."""
    return flag_kpis(list(flags.values(*FIELDS)))


def period_starts(period: str, count: int, now: datetime) -> list[datetime]:
    """The starts (UTC midnight) of the last `count` weeks (Monday) or calendar months, the
    one in progress last."""
    today = now.astimezone(UTC).date()
    if period == "week":
        current = today - timedelta(days=today.weekday())
    else:
        current = date(today.year, today.month, 1)
    start = datetime.combine(current, time(), UTC)
    return [periods.shift(start, period, -k) for k in range(count - 1, -1, -1)]


def kpis_by_period(
    flags: QuerySet[Flag],
    approved: QuerySet[Assessment],
    *,
    period: str,
    count: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """The KPIs of the flags raised in each of the last `count` periods (the one in progress
    last), and the time to insight of the `approved` results approved in it, in two queries."""
    starts = period_starts(period, count, now)
    ends = [*starts[1:], periods.shift(starts[-1], period, 1)]
    rows = list(flags.filter(created_at__gte=starts[0], created_at__lt=ends[-1]).values(*FIELDS))
    asked = list(
        approved.filter(reviewed_at__gte=starts[0], reviewed_at__lt=ends[-1])
        .order_by()
        .values_list("created_at", "reviewed_at")
    )
    return [
        {
            "period_start": start.date().isoformat(),
            "period_end": end.date().isoformat(),
            **flag_kpis([r for r in rows if start <= r["created_at"] < end]),
            "time_to_insight": hours_between([(a, d) for a, d in asked if start <= d < end]),
        }
        for start, end in zip(starts, ends, strict=True)
    ]
