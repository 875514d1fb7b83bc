"""Serializer building blocks shared by every app's API."""

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """Rejects unknown and read-only keys by name instead of silently dropping them."""

    read_only_names: tuple[str, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {}
            for key in data:
                if key in self.read_only_names:
                    errors[key] = ["This field is read-only."]
                elif key not in self.fields:
                    errors[key] = ["Unknown field."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class FiniteFloatField(serializers.FloatField):
    """A float that is a real number (NaN and infinities are refused)."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset; a time without one is ambiguous and refused."""

    default_error_messages = {"naive": "Include a UTC offset, e.g. 2026-01-31T10:00:00+05:00."}

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip()) if value.strip() else None
            except ValueError:  # well formed but impossible: 30 February, an offset of 24 h
                parsed = None  # DRF's own parse below refuses it as invalid, naming the field
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField(), required=False)


def constant(value: str) -> serializers.CharField:
    """An output string that always holds `value` (a GeoJSON `type`), documented by a pattern
    (not an enum: enums become shared components). A class of its own: serializers copy their
    fields by class, which would drop a schema set on an instance."""
    field = type(f"Constant{value}Field", (serializers.CharField,), {})
    return extend_schema_field({"type": "string", "pattern": f"^{value}$"})(field)()


POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "description": "[longitude, latitude] (RFC 7946).",
        },
    },
}
GEOMETRY_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {"type": {"type": "string"}, "coordinates": {"type": "array", "items": {}}},
    "description": "A GeoJSON geometry (RFC 7946); a cell is a Polygon.",
}
