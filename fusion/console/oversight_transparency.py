"""The public transparency figures (GET transparency/) as tables: one row per measure and a
column per month, a suppressed small count shown as suppressed, never as a number."""

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.oversight_answers import refusal

MEASURES = {
    "incidents_recorded": _("Incidents recorded"),
    "shares_granted": _("Shares granted"),
    "person_data_reads": _("Reads of personal data"),
    "exports": _("Exports"),
    "assessments_approved": _("Assessments approved"),
    "assessments_rejected": _("Assessments rejected"),
    "complaints_received": _("Complaints received"),
    "complaints_upheld": _("Complaints upheld"),
    "complaints_rejected": _("Complaints rejected"),
    "flags_raised": _("Flags raised"),
    "flags_acknowledged": _("Flags acknowledged"),
    "flag_outcomes_incident": _("Flags followed by an incident"),
    "flag_outcomes_no_incident": _("Flags followed by no incident"),
}
KPIS = {
    "median_hours_to_acknowledge": _("Median hours to acknowledge a flag"),
    "false_positive_rate": _("Flags followed by no incident (share)"),
    "forecast_hit_rate": _("Forecast hit rate"),
}
RATES = {"false_positive_rate", "forecast_hit_rate"}


def _month(text: str) -> date:
    """A month as the API names it ("2026-11") as the date of its first day."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def _row(label: Any, table: dict[str, Any]) -> dict[str, Any]:
    return {"label": label, "cells": table.get("monthly", []), "total": table.get("total")}


def _kpi_row(name: str, values: list) -> dict[str, Any]:
    if name in RATES:
        values = [None if v is None else f"{100 * v:.1f}%" for v in values]
    return {"label": KPIS.get(name, name), "cells": values}


def _metrics(values: Any) -> list[tuple[str, Any]]:
    """A backtest's metrics as (name, value) pairs, one level of nesting spelt out."""
    if not isinstance(values, dict):
        return []
    pairs = []
    for key, value in values.items():
        if isinstance(value, dict):
            pairs += [(f"{key} · {inner}", v) for inner, v in value.items()]
        else:
            pairs.append((key, value))
    return pairs


def tables(data: dict[str, Any]) -> dict[str, Any]:
    """The answer as the page's tables."""
    measures = data.get("measures", {})
    kpis = data.get("flag_kpis", {})
    by_method = [
        {
            "method": kind,
            "rows": [
                _row(_("Followed by an incident"), values.get("incident", {})),
                _row(_("Followed by no incident"), values.get("no_incident", {})),
            ],
            "rate": _kpi_row("false_positive_rate", values.get("false_positive_rate", [])),
        }
        for kind, values in kpis.get("by_method", {}).items()
    ]
    return {
        "months": [_month(m) for m in data.get("months", [])],
        "min_cell": data.get("suppression", {}).get("min_cell"),
        "measures": [_row(MEASURES.get(name, name), t) for name, t in measures.items()],
        "purposes": [_row(code, t) for code, t in data.get("accesses_by_purpose", {}).items()],
        "kpis": [_kpi_row(name, kpis[name]) for name in KPIS if name in kpis],
        "by_method": by_method,
        "models": [
            {**m, "metrics": _metrics((m.get("backtest") or {}).get("values"))}
            for m in data.get("models", [])
        ],
    }


@signed_in
def transparency(request: HttpRequest) -> HttpResponse:
    """What Fusion publishes about itself, as the public reads it."""
    answer = api_client.get(request, "transparency/")
    if not answer.ok:
        return refusal(request, answer)
    context = {"title": _("Transparency"), **tables(answer.data)}
    return render(request, "console/oversight/transparency.html", context)
