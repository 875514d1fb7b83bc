"""Domain rules of one incident record, checked on validated values; errors name the field;
and the fingerprint of the event a record describes.

Shared by single create, update and bulk ingest, so every path applies the same rules.
"""

import hashlib
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from incidents.choices import Context, PersonSource

PROTECTED_CONTEXTS = frozenset({Context.PROTEST, Context.RELIGIOUS_GATHERING, Context.CAMPUS})


def _time_errors(record: Mapping[str, Any], now: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    latest = now + settings.FUSION_FUTURE_TOLERANCE
    for name in ("occurred_at", "reported_at"):
        value = record.get(name)
        if value is not None and value > latest:
            errors[name] = ["Lies in the future."]
    occurred, reported = record.get("occurred_at"), record.get("reported_at")
    if occurred and reported and occurred > reported and "occurred_at" not in errors:
        errors["occurred_at"] = ["Must not be after reported_at."]
    return errors


def _person_errors(person: Mapping[str, Any], protected: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if protected and person.get("source") == PersonSource.FACIAL_RECOGNITION:
        errors["source"] = ["Facial recognition is refused in protected contexts."]
    if protected and not (person.get("legal_basis") or "").strip():
        errors["legal_basis"] = ["Required for persons in protected contexts."]
    return errors


def record_errors(record: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Every rule the record breaks, as `{field: [messages]}` (persons keyed by index)."""
    errors: dict[str, Any] = _time_errors(record, now)
    protected = bool(PROTECTED_CONTEXTS.intersection(record.get("contexts") or ()))
    person_errors = {
        index: found
        for index, person in enumerate(record.get("persons") or ())
        if (found := _person_errors(person, protected))
    }
    if person_errors:
        errors["persons"] = person_errors
    return errors


def event_fingerprint(
    *, occurred_at: datetime, latitude: float, longitude: float, category: str, description: str
) -> str:
    """The hex SHA-256 of what identifies the event a record describes: the time to the
    second (UTC), the place to 1e-4 degree (about 11 m), the category and the description
    (Unicode-normalised, case-folded, whitespace collapsed).

    Two records of one event copied from each other have the same fingerprint, so a copy of
    another agency's incident is recognised whatever its reference or STIX id (see
    incidents.provenance). A copy whose time, point or text was altered is not: that is a
    stated limit, not a guarantee. Pure (no models): migration 0009 fills stored rows with it.
    """
    parts = (
        occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        f"{round(latitude, 4) + 0.0:.4f}",  # + 0.0: -0.0 and 0.0 are one place
        f"{round(longitude, 4) + 0.0:.4f}",
        category,
        " ".join(unicodedata.normalize("NFKC", description or "").casefold().split()),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def record_fingerprint(record: Mapping[str, Any]) -> str:
    """`event_fingerprint` of a complete record (Fusion field names, validated values)."""
    return event_fingerprint(
        occurred_at=record["occurred_at"],
        latitude=record["latitude"],
        longitude=record["longitude"],
        category=record["category"],
        description=record.get("description") or "",
    )
