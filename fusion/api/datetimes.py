"""Times in query parameters, read into UTC before they reach a query.

Python accepts any UTC offset under 24 hours; PostgreSQL refuses one beyond about 16 hours
("time zone displacement out of range"), which a raw aware datetime sent as a query parameter
turns into a 500. Converted to UTC first, such a time is what it says, or (at the ends of the
calendar) a 400.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter

OUT_OF_RANGE = "Out of range once converted to UTC."


def in_utc(value: datetime) -> datetime | None:
    """`value` (aware) in UTC; None when that falls outside the calendar (year 1 or 9999)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with offset, cleaned into UTC."""

    def to_python(self, value: str | None) -> datetime | None:  # type: ignore[override]
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        converted = in_utc(parsed)
        if converted is None:
            raise ValidationError(OUT_OF_RANGE, code="invalid")
        return converted


class UtcIsoDateTimeFilter(IsoDateTimeFilter):
    """django-filter's IsoDateTimeFilter whose value is in UTC (any offset Python reads)."""

    field_class = UtcIsoDateTimeField
