"""What the inbox, notification and sharing pages read from their forms and the API's pages:
the idempotency key a form carries and an expiry date as the API's aware time."""

import uuid
from datetime import datetime, time

from django.http import HttpRequest
from django.utils import timezone

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


def as_int(value: str) -> int | str:
    """A whole number as the API takes it; anything else as typed (the API names the field)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else value
