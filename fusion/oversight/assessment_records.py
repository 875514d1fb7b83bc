"""Assessment records as oversight reads them: who asked, for which agency, with which scope,
parameters and method version, who reviewed it and why, and what it found as counts per
district and per agency. Never an incident's description, a person, an incident id or a
place finer than a district: oversight checks how the analytics are used, not what is in the
records (DESIGN.md, "oversight never reads personal data").

Counts per district come from the stored snapshot (AssessmentInput: one row per input
incident, with its district and agency) and the result's evidence:

- inputs: the snapshot's incidents per district and per agency;
- flagged units: hot cells (hotspots), flagged cells (forecast), significant district and
  category rows (surges) and proposed pairs (links), each counted in every district that holds
  one of its incidents (a cell on a border counts in both);
- evidence incidents: the distinct incidents behind those units, per district;
- flagged incidents: the incidents in flagged units per district, as the result's own bias
  checks counted them (`district_disparity`).

A bbox in the scope is shown widened to whole degrees (`bbox_whole_degrees`).

Free texts written by the method (warnings, errors) can name incident ids (an outlier warning
does): ids are replaced by "[incident]" before oversight reads them.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, QuerySet

from agencies.models import Agency
from analytics.choices import Kind
from analytics.methods.grid import grid_covering
from analytics.models import Assessment, AssessmentInput, Flag
from analytics.runners.common import grid_spec

NO_DISTRICT = "(none)"  # as the snapshot names a blank district (analytics.snapshot)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def assessment_records(
    *,
    kind: str | None = None,
    status: str | None = None,
    agency: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Assessment]:
    """Every assessment (oversight sees them all, whatever their status), newest first,
    narrowed by kind, status, agency code and creation time [since, until)."""
    rows = Assessment.objects.select_related("agency", "requester", "reviewed_by", "withdrawn_by")
    narrowing = {
        "kind": kind,
        "status": status,
        "agency__code": agency,
        "created_at__gte": since,
        "created_at__lt": until,
    }
    rows = rows.filter(**{k: v for k, v in narrowing.items() if v is not None})
    return rows.order_by("-created_at", "-id")


def without_ids(text: str) -> str:
    """`text` with every incident id (a UUID) replaced by "[incident]"."""
    return UUID.sub("[incident]", text or "")


def record_summary(assessment: Assessment) -> dict[str, Any]:
    """The fields of a record every list row carries (no query beyond the row's joins)."""
    a = assessment
    return {
        "id": str(a.pk),
        "kind": a.kind,
        "agency": a.agency.code,
        "status": a.status,
        "requester": a.requester.username,
        "created_at": a.created_at,
        "started_at": a.started_at,
        "finished_at": a.finished_at,
        "reviewed_by": a.reviewed_by.username if a.reviewed_by else None,
        "reviewed_at": a.reviewed_at,
        "decision": a.decision or None,
        "withdrawn_at": a.withdrawn_at,
        "method_version": a.method_version,
        "input_count": a.input_count,
        "tlp": a.tlp,
        "standing": a.standing_id is not None,
    }


def coarse_scope(scope: dict[str, Any]) -> dict[str, Any]:
    """The scope with a bbox widened to whole degrees (about 100 km, a district's size) and its
    area: a box drawn around one place, with the record's counts per agency, would otherwise
    tell oversight that an agency holds an incident there."""
    area = dict(scope.get("area") or {})
    bbox = area.pop("bbox", None)
    if bbox is None:
        return scope
    west, south, east, north = bbox
    area["bbox_whole_degrees"] = [
        math.floor(west),
        math.floor(south),
        math.ceil(east),
        math.ceil(north),
    ]
    return {**scope, "area": area}


def assessment_record(assessment: Assessment) -> dict[str, Any]:
    """The whole record for oversight (see the module docstring)."""
    a, result = assessment, assessment.result or {}
    inputs = AssessmentInput.objects.filter(assessment=a)
    return {
        **record_summary(a),
        "code_version": a.code_version,
        "seed": a.seed,
        "input_hash": a.input_hash,
        "input_agencies": a.input_agencies,
        "scope": coarse_scope(a.scope),
        "params": a.params,
        "rationale": without_ids(a.rationale),
        "acknowledged_warnings": [without_ids(w) for w in a.acknowledged_warnings or []],
        "withdrawn_by": a.withdrawn_by.username if a.withdrawn_by else None,
        "withdrawal_rationale": without_ids(a.withdrawal_rationale),
        "error": without_ids(a.error),
        "inputs": {"by_district": _by_district(inputs), "by_agency": _by_agency(inputs)},
        "flags": flag_counts(a),
        "bias_checks": _scrubbed(result.get("bias_checks")),
        "warnings": [without_ids(w) for w in result.get("warnings") or []],
        "flag_feedback": flag_feedback(a),
    }


def _by_district(inputs: QuerySet[AssessmentInput]) -> list[dict[str, Any]]:
    rows = inputs.order_by().values("district").annotate(n=Count("id"))
    counts = Counter({(r["district"] or NO_DISTRICT): r["n"] for r in rows})
    return [{"district": d, "incidents": counts[d]} for d in sorted(counts)]


def _by_agency(inputs: QuerySet[AssessmentInput]) -> list[dict[str, Any]]:
    rows = inputs.order_by().values("agency_id").annotate(n=Count("id"))
    codes = dict(
        Agency.objects.filter(pk__in=[r["agency_id"] for r in rows]).values_list("pk", "code")
    )
    counts = {codes.get(r["agency_id"], str(r["agency_id"])): r["n"] for r in rows}
    return [{"agency": code, "incidents": counts[code]} for code in sorted(counts)]


def _scrubbed(checks: dict | None) -> dict | None:
    if not checks:
        return checks
    return {**checks, "warnings": [without_ids(w) for w in checks.get("warnings", [])]}


def flag_counts(assessment: Assessment) -> dict[str, Any]:
    """Flagged units, evidence incidents and flagged incidents per district (module docstring);
    `units` is the number of flagged units in all."""
    units = _flagged_units(assessment)
    district_of = _districts(assessment, {i for unit in units for i in unit[1]})
    unit_counts: Counter = Counter()
    evidence: defaultdict[str, set] = defaultdict(set)
    for named, ids in units:
        places = {district_of[i] for i in ids if i in district_of} | set(named)
        unit_counts.update(places)
        for i in ids:
            if i in district_of:
                evidence[district_of[i]].add(i)
    disparity = ((assessment.result or {}).get("bias_checks") or {}).get("district_disparity")
    flagged = {row["district"]: row["flagged"] for row in disparity or []}
    names = sorted(set(unit_counts) | set(evidence) | set(flagged))
    return {
        "units": len(units),
        "by_district": [
            {
                "district": d,
                "flagged_units": unit_counts[d],
                "evidence_incidents": len(evidence.get(d, ())),
                "flagged_incidents": flagged.get(d),
            }
            for d in names
        ],
    }


Unit = tuple[tuple[str, ...], list[str]]  # (districts the unit names itself, incident ids)


def _flagged_units(assessment: Assessment) -> list[Unit]:
    result = assessment.result or {}
    if assessment.kind == Kind.HOTSPOTS:
        return [
            ((), c.get("incidents", [])) for c in result.get("cells", []) if c.get("kind") == "hot"
        ]
    if assessment.kind == Kind.SURGES:
        return [
            ((row["district"],), row.get("incidents", []))
            for row in result.get("surges", [])
            if row.get("significant")
            and row.get("level", "district_category") == "district_category"
        ]
    if assessment.kind == Kind.LINKS:
        return [((), link.get("incidents", [])) for link in result.get("links", [])]
    if assessment.kind == Kind.FORECAST:
        return _forecast_units(assessment)
    return []


def _forecast_units(assessment: Assessment) -> list[Unit]:
    """A forecast flags cells, not incidents: the incidents in each flagged cell, found by
    rebuilding the run's grid from its snapshot (exactly placed incidents and the scope's
    bbox, as analytics.runners.forecast built it). When the rebuilt grid is not the stored
    one, no unit can be placed: none is counted."""
    result = assessment.result or {}
    flagged = set(result.get("flagged_cells") or [])
    rows = list(
        AssessmentInput.objects.filter(assessment=assessment, location_precision="exact")
        .order_by()
        .values_list("incident_id", "latitude", "longitude")
    )
    if not flagged or not rows:
        return []
    ids, lat, lon = zip(*rows, strict=True)
    cell_m = float(assessment.params.get("cell_size_km", 0)) * 1000.0
    bbox = (assessment.scope.get("area") or {}).get("bbox")
    try:
        grid = grid_covering(np.array(lat), np.array(lon), cell_m, bbox=bbox)
    except ValueError:
        return []
    if grid_spec(grid) != result.get("grid"):
        return []
    cells = grid.locate(np.array(lat), np.array(lon)).tolist()
    members: defaultdict[int, list[str]] = defaultdict(list)
    for incident, cell in zip(ids, cells, strict=True):
        if cell in flagged:
            members[cell].append(str(incident))
    return [((), members.get(cell, [])) for cell in sorted(flagged)]


def _districts(assessment: Assessment, ids: Iterable[str]) -> dict[str, str]:
    rows = AssessmentInput.objects.filter(assessment=assessment, incident_id__in=list(ids))
    return {
        str(incident): district or NO_DISTRICT
        for incident, district in rows.values_list("incident_id", "district")
    }


def flag_feedback(assessment: Assessment) -> dict[str, Any]:
    """Acknowledgements and outcomes of the result's flags (analytics' Flag records, raised
    when a result is approved), counted per district: flags, acknowledged, the actions taken,
    and outcomes (an incident followed, none followed, not known yet)."""
    rows = (
        Flag.objects.filter(assessment=assessment)
        .order_by()
        .values("district", "action", "outcome")
        .annotate(n=Count("id"))
    )
    per: dict[str, dict[str, Any]] = {}
    for row in rows:
        name, n = row["district"] or NO_DISTRICT, row["n"]
        counts = per.setdefault(name, _no_feedback(name))
        counts["flags"] += n
        if row["action"]:
            counts["acknowledged"] += n
            counts["actions"][row["action"]] = counts["actions"].get(row["action"], 0) + n
        outcome = {True: "occurred", False: "none"}.get(row["outcome"], "unknown")
        counts["outcomes"][outcome] += n
    return {"by_district": [per[d] for d in sorted(per)]}


def _no_feedback(district: str) -> dict[str, Any]:
    outcomes = {"occurred": 0, "none": 0, "unknown": 0}
    return {
        "district": district,
        "flags": 0,
        "acknowledged": 0,
        "actions": {},
        "outcomes": outcomes,
    }
