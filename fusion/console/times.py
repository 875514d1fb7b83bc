"""The API's times as the console's templates format them: a datetime from an ISO 8601 text
of an answer (the `date` filter shows it in the current time zone, UTC by default)."""

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime


def api_time(value: Any) -> datetime | None:
    """A time of an API answer: a datetime as it is (an in-process answer may hold one), its
    ISO text parsed; None when there is none or it is not a time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:  # well formed, but no such day or hour
        return None


def with_times(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    """The rows with these fields as datetimes (those a row does not have are left out)."""
    return [{**row, **{n: api_time(row[n]) for n in names if n in row}} for row in rows]
