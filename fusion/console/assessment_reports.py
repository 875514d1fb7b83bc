"""The reports list and the KPI page.

Reports are the API's list with links to each report's HTML and PDF (the API's own routes,
which the browser's session reads). KPIs are the API's flag KPIs per week or month, with two
times computed here from the API's list of approved assessments: time to insight (request to
approval) and, from the flags, time to decision (flag to acknowledgement)."""

import statistics
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from analytics import periods as period_math
from analytics.kpis import KPI_PERIODS, period_starts
from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.paging import api_page, page_links
from fusion.console.times import api_time

MAX_PAGES = 20  # of 500 assessments: the KPI page reads at most 10,000 approved results
PERIOD_COUNTS = range(1, 25)


@signed_in
def report_list(request: HttpRequest) -> HttpResponse:
    """Reports the user may read, each with its period and links to its HTML and PDF."""
    answer = api_client.get(request, "reports/", api_page(request))
    rows = answer.data.get("results", []) if answer.ok else []
    lang = "ur" if getattr(request, "LANGUAGE_CODE", "en") == "ur" else "en"  # the reader's
    for row in rows:
        row["html_url"] = f"{api_client.PREFIX}reports/{row['id']}.html?lang={lang}"
        row["pdf_url"] = f"{api_client.PREFIX}reports/{row['id']}.pdf?lang={lang}"
    context = {"answer": answer, "rows": rows, **page_links(request, answer.data)}
    return render(request, "console/assessments/reports.html", context, status=answer.status)


def _approved(request: HttpRequest, agency: str) -> tuple[list[dict[str, Any]], bool]:
    """The agency's approved assessments the user sees (the API's list, every page), and
    whether they are all there (False when a page was refused or MAX_PAGES did not reach the
    end: the times computed from them are then said to be partial)."""
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        params = {"status": "approved", "page_size": 500, "page": page}
        answer = api_client.get(request, "assessments/", params)
        if not answer.ok:
            return rows, False
        rows.extend(r for r in answer.data.get("results", []) if r.get("agency") == agency)
        if not answer.data.get("next"):
            return rows, True
    return rows, False


def _hours(pairs: list[tuple[datetime, datetime]]) -> dict[str, Any]:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs]
    return {
        "count": len(hours),
        "median": round(statistics.median(hours), 2) if hours else None,
        "mean": round(statistics.fmean(hours), 2) if hours else None,
    }


def time_to_insight(
    rows: list[dict[str, Any]], period: str, count: int, now: datetime
) -> list[dict[str, Any]]:
    """Hours from request to approval of the assessments approved in each period."""
    starts = period_starts(period, count, now)
    ends = [*starts[1:], period_math.shift(starts[-1], period, 1)]
    pairs = []
    for row in rows:
        created = api_time(row.get("created_at"))
        decided = api_time((row.get("review") or {}).get("reviewed_at"))
        if created and decided:
            pairs.append((created, decided))
    return [
        {
            "period_start": start.date().isoformat(),
            **_hours([(c, d) for c, d in pairs if start <= d < end]),
        }
        for start, end in zip(starts, ends, strict=True)
    ]


@signed_in
def kpis(request: HttpRequest) -> HttpResponse:
    """The flag KPIs of the user's agency per week or month, with time to insight and time to
    decision."""
    period = request.GET.get("period") or "month"
    count = request.GET.get("periods") or "6"
    params = {"period": period, "periods": count}
    if request.GET.get("agency"):
        params["agency"] = request.GET["agency"]
    answer = api_client.get(request, "kpis/", params)
    rows: list[dict[str, Any]] = []
    complete = True
    if answer.ok:
        approved, complete = _approved(request, answer.data["agency"])
        insight = time_to_insight(approved, period, int(count), timezone.now())
        rows = [
            {**kpi, "insight": seen}
            for kpi, seen in zip(answer.data["periods"], insight, strict=True)
        ]
    context = {
        "answer": answer,
        "rows": rows,
        "period": period,
        "count": count,
        "period_choices": KPI_PERIODS,
        "count_choices": [str(n) for n in PERIOD_COUNTS],
        "agency": answer.data.get("agency") if answer.ok else None,
        "insight_partial": not complete,
        "any_outcome": any(r["false_positive_rate_by_method"] for r in rows),
    }
    return render(request, "console/assessments/kpis.html", context, status=answer.status)


urlpatterns = [
    path("reports/", report_list, name="reports"),
    path("kpis/", kpis, name="kpis"),
]
