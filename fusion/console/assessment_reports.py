"""The reports list and the KPI page.

Reports are the API's list with links to each report's HTML and PDF (the API's own routes,
which the browser's session reads). KPIs are the API's per week or month: time to insight
(request to approval), time to decision (flag to acknowledgement) and the flags' outcomes."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from analytics.kpis import KPI_PERIODS
from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.paging import api_page, page_links

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


@signed_in
def kpis(request: HttpRequest) -> HttpResponse:
    """The KPIs of the user's agency per week or month: time to insight, time to decision and
    the flags' outcomes (GET kpis/)."""
    period = request.GET.get("period") or "month"
    count = request.GET.get("periods") or "6"
    # every value given, so that one given twice is the API's 400 rather than the last one
    params = {name: request.GET.getlist(name) for name in ("period", "periods", "agency")}
    params = {name: values for name, values in params.items() if values}
    answer = api_client.get(request, "kpis/", params)
    rows: list[dict[str, Any]] = answer.data["periods"] if answer.ok else []
    context = {
        "answer": answer,
        "rows": rows,
        "period": period,
        "count": count,
        "period_choices": KPI_PERIODS,
        "count_choices": [str(n) for n in PERIOD_COUNTS],
        "agency": answer.data.get("agency") if answer.ok else None,
        "any_outcome": any(r["false_positive_rate_by_method"] for r in rows),
    }
    return render(request, "console/assessments/kpis.html", context, status=answer.status)


urlpatterns = [
    path("reports/", report_list, name="reports"),
    path("kpis/", kpis, name="kpis"),
]
