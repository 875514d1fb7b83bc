"""Domain rules of one incident record, checked on validated values; errors name the field.

Shared by single create, update and bulk ingest, so every path applies the same rules.
"""

from collections.abc import Mapping
from datetime import datetime
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
