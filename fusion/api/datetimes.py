"""Times in query parameters, read into UTC before they reach a query.

Python accepts any UTC offset under 24 hours; PostgreSQL refuses one beyond about 16 hours
("time zone displacement out of range"), which a raw aware datetime sent as a query parameter
turns into a 500. Converted to UTC first, such a time is what it says, or (at the ends of the
calendar) a 400. A time without an offset is refused (400), as on every write and in
`notifications/?since=`: it names no instant.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter

OUT_OF_RANGE = "Out of range once converted to UTC."
NAIVE = "Include a UTC offset, e.g. 2026-01-31T10:00:00+05:00."


def in_utc(value: datetime) -> datetime | None:
    """`value` (aware) in UTC; None when that falls outside the calendar (year 1 or 9999)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


def _naive(text: str) -> bool:
    """Whether `text` is a date, or a time without an offset (a malformed one is not: the
    field words that error)."""
    try:
        parsed = parse_datetime(text)  # a date alone reads as midnight, without an offset
    except ValueError:
        return False
    return parsed is not None and parsed.tzinfo is None


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with offset, cleaned into UTC; one without an offset is refused."""

    def to_python(self, value: str | None) -> datetime | None:  # type: ignore[override]
        if isinstance(value, str) and value.strip() and _naive(value.strip()):
            raise ValidationError(NAIVE, code="naive")
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        converted = in_utc(parsed)
        if converted is None:
            raise ValidationError(OUT_OF_RANGE, code="invalid")
        return converted


class UtcIsoDateTimeFilter(IsoDateTimeFilter):
    """django-filter's IsoDateTimeFilter whose value is in UTC (any offset Python reads; an
    offset is required)."""

    field_class = UtcIsoDateTimeField
