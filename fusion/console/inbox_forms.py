"""What the inbox, notification and sharing pages read from their forms and the API's pages:
the idempotency key a form carries, an expiry date as the API's aware time, and the console
link of the API's next or previous page."""

import uuid
from datetime import datetime, time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

KEY_FIELD = "idempotency_key"


def new_key() -> str:
    """A fresh Idempotency-Key for a form: a double submit of the form replays one answer."""
    return uuid.uuid4().hex


def key_headers(request: HttpRequest) -> dict[str, str]:
    """The Idempotency-Key header of the posted form's key (none when the form has none)."""
    key = request.POST.get(KEY_FIELD, "").strip()
    return {"Idempotency-Key": key} if key else {}


def expiry(value: str) -> str | None:
    """A date of a form (`YYYY-MM-DD`) as the end of that day in the current time zone, with
    its offset, as the API takes it; None when left empty; anything else as typed, so the
    API's error names the field."""
    value = value.strip()
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 (a date, made aware)
    except ValueError:
        return value
    end = datetime.combine(day, time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone()).isoformat()


def page_number(api_link: str | None) -> str | None:
    """The `page` of a link the API gave (its `next` or `previous`); "1" for the first page."""
    if not api_link:
        return None
    return parse_qs(urlsplit(api_link).query).get("page", ["1"])[0]


def page_link(request: HttpRequest, param: str, api_link: str | None) -> str | None:
    """This page's URL showing the API's linked page in the list named by `param`."""
    number = page_number(api_link)
    if number is None:
        return None
    query = request.GET.copy()
    query[param] = number
    return f"{request.path}?{query.urlencode()}"


def page_param(request: HttpRequest, param: str) -> dict[str, str]:
    """The API's `page` parameter for the list named by `param` (none for the first page)."""
    value = request.GET.get(param, "").strip()
    return {"page": value} if value else {}


def with_times(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    """The rows with these ISO 8601 fields as datetimes (for the `date` filter)."""
    return [
        {
            **row,
            **{n: parse_datetime(row[n]) for n in names if isinstance(row.get(n), str)},
        }
        for row in rows
    ]


def as_int(value: str) -> int | str:
    """A whole number as the API takes it; anything else as typed (the API names the field)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else value
