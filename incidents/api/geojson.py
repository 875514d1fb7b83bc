"""GeoJSON shapes of serialized incidents (RFC 7946: longitude first), and their schema."""

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from fusion.api.serializers import POINT_SCHEMA, constant
from incidents.api.serializers import IncidentOutputSerializer


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


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.JSONField):
    """A GeoJSON Point (output only; documented by POINT_SCHEMA)."""


class IncidentPropertiesSerializer(IncidentOutputSerializer):
    """An incident's fields as a Feature's properties: all but the coordinates."""

    latitude = None
    longitude = None


class IncidentFeatureSerializer(serializers.Serializer):
    """One incident as a GeoJSON Feature (`?format=geojson` on a single incident)."""

    type = constant("Feature")
    id = serializers.UUIDField()
    geometry = PointField()
    properties = IncidentPropertiesSerializer()


@extend_schema_serializer(many=False)
class IncidentFeatureCollectionSerializer(serializers.Serializer):
    """A page of incidents as a GeoJSON FeatureCollection, with the page links as foreign
    members (`?format=geojson` on the list)."""

    type = constant("FeatureCollection")
    features = IncidentFeatureSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
