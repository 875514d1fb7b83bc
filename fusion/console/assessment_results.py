"""What the assessment page shows of a result: cells with their box and the link to the
incidents behind them, a map layer (JSON for the page's script), and bias checks as rows.

Everything here reshapes what the API answered for the assessment; nothing is read elsewhere."""

from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

MAX_CHECK_ROWS = 80
MAX_MAP_CELLS = 2000  # a browser draws this many boxes at ease; flagged cells come first


def cell_bbox(geometry: dict[str, Any] | None) -> list[float] | None:
    """[min_lon, min_lat, max_lon, max_lat] of a GeoJSON polygon."""
    if not geometry or not geometry.get("coordinates"):
        return None
    ring = geometry["coordinates"][0]
    lons = [float(point[0]) for point in ring]
    lats = [float(point[1]) for point in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def incidents_url(bbox: list[float], assessment: dict[str, Any]) -> str:
    """The console's incident list filtered to the cell's box and the assessment's window and
    categories (the API's list filters as GET parameters)."""
    try:
        base = reverse("console:incidents")
    except NoReverseMatch:  # the incident list is not in this deployment
        base = "/incidents/"
    scope = assessment.get("scope") or {}
    params: list[tuple[str, str]] = [("bbox", ",".join(f"{v:.6f}" for v in bbox))]
    for name in ("occurred_after", "occurred_before"):
        if scope.get(name):
            params.append((name, scope[name]))
    if scope.get("categories"):  # any of them, in one parameter (the list takes it once)
        params.append(("category", ",".join(scope["categories"])))
    return f"{base}?{urlencode(params)}"


def cells(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's cells as rows: hot first, then cold, then the others (for a forecast:
    flagged first, by rank)."""
    result = assessment.get("result") or {}
    rows = []
    for cell in result.get("cells") or []:
        bbox = cell_bbox(cell.get("geometry"))
        row = {key: value for key, value in cell.items() if key not in {"geometry", "incidents"}}
        row["evidence_count"] = len(cell.get("incidents") or [])
        row["bbox"] = bbox
        row["incidents_url"] = incidents_url(bbox, assessment) if bbox else None
        rows.append(row)
    order = {"hot": 0, "cold": 1}
    rows.sort(
        key=lambda r: (
            order.get(r.get("kind") or "", 2),
            not r.get("flagged", False),
            r.get("rank") or 0,
            -(r.get("count") or 0),
        )
    )
    return rows


def map_layer(assessment: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the map draws: each cell's box and label (hot, cold, flagged or plain)."""
    features: list[dict[str, Any]] = []
    for row in rows:
        if len(features) >= MAX_MAP_CELLS:
            break
        if not row["bbox"]:
            continue
        label = row.get("kind") or ("flagged" if row.get("flagged") else "plain")
        if label == "plain" and assessment.get("kind") == "hotspots":
            continue  # a hotspots map shows the significant cells; the table lists the rest
        features.append(
            {
                "id": row.get("id"),
                "bbox": row["bbox"],
                "label": label,
                "count": row.get("count"),
                "risk": row.get("risk"),
                "rank": row.get("rank"),
                "url": row["incidents_url"],
            }
        )
    return {"kind": assessment.get("kind"), "cells": features}


def check_rows(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Bias checks (any nesting) as (name, value) rows, at most MAX_CHECK_ROWS."""
    rows: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            rows.extend(check_rows(inner, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, inner in enumerate(value):
            rows.extend(check_rows(inner, f"{path}[{index}]"))
    elif isinstance(value, list):
        rows.append((path, ", ".join(str(v) for v in value)))
    else:
        rows.append((path, "" if value is None else str(value)))
    return rows[:MAX_CHECK_ROWS]
