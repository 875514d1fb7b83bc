"""GeoJSON shapes of serialized incidents (RFC 7946: longitude first)."""

from collections.abc import Sequence
from typing import Any


def feature(incident: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in incident.items() if k not in ("latitude", "longitude")}
    return {
        "type": "Feature",
        "id": incident["id"],
        "geometry": {"type": "Point", "coordinates": [incident["longitude"], incident["latitude"]]},
        "properties": properties,
    }


def feature_collection(
    incidents: Sequence[dict[str, Any]], *, next: str | None, previous: str | None
) -> dict[str, Any]:
    """A FeatureCollection of one page, with the page links as foreign members."""
    return {
        "type": "FeatureCollection",
        "features": [feature(i) for i in incidents],
        "next": next,
        "previous": previous,
    }
