"""Periodic reports for decision makers: what an agency's approved assessments of a period
found, with maps, trends and the KPIs that can be measured (of its flags: analytics.kpis).

A report names its agency, its period and the assessments approved in it. Its content is
worked out when it is read, from the assessments still approved: a result withdrawn or
rejected later leaves the report, and the report carries the most restrictive TLP of what it
shows. Who may read it is decided in analytics.visibility (visible_reports). `reports_due` makes
last week's reports (Celery beat, daily; it is idempotent); `report_generate` makes or brings
up to date one agency's report of a period, there and then. Reports asked for through the API
are built by a worker (analytics.report_requests); either way there is one report per agency
and period.
"""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Agency, Membership
from analytics.choices import ReportStatus, Status
from analytics.kpis import hours_between, kpis_of
from analytics.models import Assessment, AssessmentInput, Flag, Report
from analytics.registry import METHODS
from analytics.visibility import visible_assessments, visible_reports
from incidents.choices import strictest
from incidents.districts import register

TOP_CELLS = 10
# KPIs the data cannot measure, named so that no one reads their absence as zero.
NOT_MEASURED = [
    "what an action on a flag changed: a flag's outcome says whether an incident occurred "
    "there in its period, not whether a patrol or inquiry prevented one",
]


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def approved_in(agency: Agency, start: date, end: date) -> QuerySet[Assessment]:
    """The agency's assessments approved in [start, end) (UTC days)."""
    return Assessment.objects.filter(
        agency=agency,
        status=Status.APPROVED,
        reviewed_at__gte=_start(start),
        reviewed_at__lt=_start(end),
    )


@transaction.atomic
def report_generate(*, agency: Agency, start: date, end: date) -> Report | None:
    """The agency's report of [start, end), made or brought up to date; None when nothing
    was approved in the period."""
    approved = list(approved_in(agency, start, end))
    if not approved:
        return None
    report, _ = Report.objects.get_or_create(agency=agency, period_start=start, period_end=end)
    report_fill(report)
    return report


def report_fill(report: Report) -> None:
    """Add the assessments its agency approved in its period and mark it ready (a report
    asked for and still queued, or failed, is so made)."""
    report.assessments.add(*approved_in(report.agency, report.period_start, report.period_end))
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.READY, error="", finished_at=timezone.now()
    )
    report.refresh_from_db(fields=["status", "error", "finished_at"])


def reports_due(now: datetime | None = None) -> list[Report]:
    """Last week's report (Monday to Monday, UTC) of every agency that approved something."""
    today = (now or timezone.now()).astimezone(UTC).date()
    end = today - timedelta(days=today.weekday())
    start = end - timedelta(days=7)
    agencies = Agency.objects.filter(
        pk__in=Assessment.objects.filter(
            status=Status.APPROVED, reviewed_at__gte=_start(start), reviewed_at__lt=_start(end)
        ).values("agency_id")
    )
    made = (report_generate(agency=a, start=start, end=end) for a in agencies)
    return [report for report in made if report is not None]


def report_content(report: Report, reader: Any = None) -> dict[str, Any]:
    """What the report shows now: its label, KPIs, one section per approved assessment, the
    weekly trend of the incidents they used, the counts of its period against the period
    before. With a reader, its review figures count only the results that reader may see,
    and it also names the surges and hotspot districts of the agency's report of the period
    just before, when that reader may read it (analytics.visibility), to say what is new and
    what ended. Without one (tests, internal use) every result of the agency counts."""
    shown = list(
        report.assessments.filter(status=Status.APPROVED)
        .select_related("requester", "reviewed_by")
        .order_by("reviewed_at", "pk")
    )
    inputs = _inputs([a.pk for a in shown])
    return {
        "id": str(report.pk),
        "agency": report.agency.code,
        "agency_name": report.agency.name,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "tlp": strictest(a.tlp for a in shown if a.tlp).value,
        "kpis": _kpis(report, reader),
        "sections": [_section(a, inputs.get(a.pk, {})) for a in shown],
        "trend": _trend([a.pk for a in shown]),
        "changes": _changes(inputs, report.period_start, report.period_end),
        "previous": None if reader is None else _previous(report, reader),
        "notice": "Decision support only: every finding was reviewed and approved by a person "
        "other than its requester; read the warnings and bias checks before acting.",
    }


def _hours(pairs: list[tuple[datetime | None, datetime | None]]) -> float | None:
    return hours_between([(a, b) for a, b in pairs if a and b])["median"]


def _kpis(report: Report, reader: Any) -> dict[str, Any]:
    """The period's review figures over the agency's results the reader may see (a rejected
    result is its requester's alone; a result over an incident hidden from the reader is not
    theirs to count), and the flags of the results the report shows."""
    seen = Assessment.objects.all() if reader is None else visible_assessments(reader)
    decided = seen.filter(
        agency=report.agency,
        reviewed_at__gte=_start(report.period_start),
        reviewed_at__lt=_start(report.period_end),
    )
    rows = list(decided.values_list("status", "created_at", "finished_at", "reviewed_at"))
    approved = [r for r in rows if r[0] == Status.APPROVED]
    return {
        "results_reviewed": len(rows),
        "results_approved": len(approved),
        "results_rejected": sum(r[0] == Status.REJECTED for r in rows),
        "median_hours_request_to_result": _hours([(r[1], r[2]) for r in approved]),
        "median_hours_result_to_decision": _hours([(r[2], r[3]) for r in approved]),
        "median_hours_request_to_approved_insight": _hours([(r[1], r[3]) for r in approved]),
        # the flags of the results it shows, their acknowledgements and outcomes as known now
        "flags": kpis_of(
            Flag.objects.filter(
                assessment__in=report.assessments.filter(status=Status.APPROVED).values("pk")
            )
        ),
        "not_measured": NOT_MEASURED,
    }


def _inputs(assessment_ids: list) -> dict[Any, dict[str, tuple[datetime, str, str]]]:
    """Per shown assessment, its inputs: incident id -> (occurred_at, category, district)."""
    rows = AssessmentInput.objects.filter(assessment_id__in=assessment_ids).values_list(
        "assessment_id", "incident_id", "occurred_at", "category", "district"
    )
    held: dict[Any, dict[str, tuple[datetime, str, str]]] = defaultdict(dict)
    for assessment_id, incident_id, occurred_at, category, district in rows:
        held[assessment_id][str(incident_id)] = (occurred_at, category, district or "")
    return held


def _counts(rows: list[tuple[datetime, str, str]], start: date, end: date) -> dict[str, Any]:
    inside = [r for r in rows if _start(start) <= r[0] < _start(end)]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": len(inside),
        "by_category": dict(Counter(r[1] for r in inside).most_common()),
        "by_district": dict(Counter(r[2] or "" for r in inside).most_common()),
    }


def _changes(inputs: dict, start: date, end: date) -> dict[str, Any]:
    """Incidents the shown assessments used that occurred in the period and in the period of
    the same length before it (each incident once), by category and district."""
    unique: dict[str, tuple[datetime, str, str]] = {}
    for held in inputs.values():
        unique.update(held)
    rows = list(unique.values())
    before = start - (end - start)
    return {"period": _counts(rows, start, end), "previous": _counts(rows, before, start)}


def _flagged(assessments: list[Assessment]) -> dict[str, list]:
    """The surges (district, category) and the districts of hot cells that the results flag."""
    surges, hot = set(), set()
    for assessment in assessments:
        result = assessment.result or {}
        if assessment.kind == "surges":
            surges |= {
                (s.get("district"), s.get("category"))
                for s in result.get("surges", [])
                if s.get("significant")
            }
        elif assessment.kind == "hotspots":
            hot |= {
                _cell_district(c["geometry"])
                for c in result.get("cells", [])
                if c.get("significant") and c.get("kind") == "hot"
            }
    return {"surges": sorted(map(list, surges)), "hot_districts": sorted(hot - {""})}


def _previous(report: Report, reader: Any) -> dict[str, Any]:
    """The agency's report of the period ending where this one starts, as far as `reader` may
    read it: its surges and hotspot districts, and this report's, to compare."""
    earlier = (
        visible_reports(reader)
        .filter(agency_id=report.agency_id, period_end=report.period_start)
        .order_by("period_start")
        .last()
    )
    if earlier is None:
        return {"found": False}
    shown = list(earlier.assessments.filter(status=Status.APPROVED))
    now = list(report.assessments.filter(status=Status.APPROVED))
    return {
        "found": True,
        "period_start": earlier.period_start.isoformat(),
        "period_end": earlier.period_end.isoformat(),
        "then": _flagged(shown),
        "now": _flagged(now),
    }


def _review(assessment: Assessment) -> dict[str, Any]:
    """Who asked for the result and who approved it (usernames and roles in its agency)."""
    people = [u for u in (assessment.requester, assessment.reviewed_by) if u is not None]
    roles = dict(
        Membership.objects.filter(agency_id=assessment.agency_id, user__in=people).values_list(
            "user_id", "role"
        )
    )

    def person(user: Any) -> dict[str, str] | None:
        if user is None:
            return None
        return {"username": user.username, "role": roles.get(user.pk, "")}

    return {
        "decision": assessment.decision or assessment.status,
        "requester": person(assessment.requester),
        "reviewer": person(assessment.reviewed_by),
    }


def _cell_district(geometry: dict[str, Any]) -> str:
    ring = geometry["coordinates"][0]
    lon = sum(p[0] for p in ring[:4]) / len(ring[:4])
    lat = sum(p[1] for p in ring[:4]) / len(ring[:4])
    return register().district_at(lat, lon) or ""


def _by_district(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cells per district of the register (the district holding the cell's centre), most
    first."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for cell in cells:
        entry = tally[_cell_district(cell["geometry"])]
        entry[0] += 1
        entry[1] += int(cell.get("count") or 0)
    return [
        {"district": name, "cells": n, "incidents": k}
        for name, (n, k) in sorted(tally.items(), key=lambda item: (-item[1][0], item[0]))
    ]


def _link_rows(links: list[dict[str, Any]], held: dict) -> list[dict[str, Any]]:
    """A links result's pairs with the districts and days of their two incidents (from the
    assessment's own inputs), strongest first."""
    rows = []
    for link in sorted(links, key=lambda item: -float(item.get("score") or 0)):
        places = [held.get(str(i)) for i in link.get("incidents", [])]
        rows.append(
            {
                "incidents": link.get("incidents", []),
                "agencies": link.get("agencies", []),
                "districts": [p[2] if p else "" for p in places],
                "dates": [p[0].astimezone(UTC).date().isoformat() if p else None for p in places],
                "score": link.get("score"),
                "reasons": link.get("reasons", []),
            }
        )
    return rows


def _section(assessment: Assessment, held: dict | None = None) -> dict[str, Any]:
    result = assessment.result or {}
    held = held or {}
    section = {
        "assessment": str(assessment.pk),
        "kind": assessment.kind,
        "tlp": assessment.tlp,
        "scope": assessment.scope,
        "inputs": assessment.input_count,
        "method_version": assessment.method_version,
        "approved_at": assessment.reviewed_at.isoformat() if assessment.reviewed_at else None,
        "rationale": assessment.rationale,
        "warnings": result.get("warnings", []),
        "review": _review(assessment),
        "parameters": result.get("parameters", assessment.params),
        "bias_warnings": (result.get("bias_checks") or {}).get("warnings", []),
        "limitations": METHODS.get(assessment.kind, {}).get("limitations", []),
    }
    cells = result.get("cells", [])
    if assessment.kind == "hotspots":
        significant = [c for c in cells if c.get("significant")]
        section["hot_cells"] = sum(c.get("kind") == "hot" for c in significant)
        section["cold_cells"] = sum(c.get("kind") == "cold" for c in significant)
        section["top_cells"] = [
            {k: c.get(k) for k in ("id", "count", "z", "q", "kind")}
            for c in sorted(significant, key=lambda c: -abs(c.get("z", 0)))[:TOP_CELLS]
        ]
        section["map"] = [(c["geometry"], c.get("kind")) for c in cells if c.get("significant")]
        section["districts"] = _by_district([c for c in significant if c.get("kind") == "hot"])
        section["cell_km"] = (result.get("grid") or {}).get("cell_m", 0) / 1000 or None
    elif assessment.kind == "forecast":
        flagged = [c for c in cells if c.get("flagged")]
        backtest = result.get("backtest", {})
        section["model"] = result.get("model")
        section["flagged_cells"] = len(flagged)
        section["backtest_winner"] = backtest.get("winner")
        section["backtest"] = backtest.get(backtest.get("winner") or "", {})
        section["map"] = [(c["geometry"], "flagged") for c in flagged]
        section["districts"] = _by_district(flagged)
        section["period"] = result.get("period")
        section["cell_km"] = (result.get("grid") or {}).get("cell_m", 0) / 1000 or None
    elif assessment.kind == "surges":
        section["surges"] = [s for s in result.get("surges", []) if s.get("significant")]
        section["aggregate_surges"] = [
            s for s in result.get("aggregates", []) if s.get("significant")
        ]
        for key in ("level_shift", "trend"):  # "is it rising?", answered province-wide
            if summary := (result.get(key) or {}).get("summary"):
                section[key] = summary
    elif assessment.kind == "links":
        section["links"] = len(result.get("links", []))
        section["link_rows"] = _link_rows(result.get("links", []), held)
    return section


def _trend(assessment_ids: list) -> dict[str, Any]:
    """Incidents per week and category over the inputs of the shown assessments (each
    incident once)."""
    rows = (
        AssessmentInput.objects.filter(assessment_id__in=assessment_ids)
        .values_list("incident_id", "occurred_at", "category")
        .distinct()
    )
    weekly: dict[str, Counter] = defaultdict(Counter)
    seen = set()
    for incident_id, occurred_at, category in rows:
        if incident_id in seen:
            continue
        seen.add(incident_id)
        day = occurred_at.astimezone(UTC).date()
        weekly[category][(day - timedelta(days=day.weekday())).isoformat()] += 1
    weeks = sorted({w for counts in weekly.values() for w in counts})
    return {
        "weeks": weeks,
        "series": {c: [weekly[c].get(w, 0) for w in weeks] for c in sorted(weekly)},
    }
