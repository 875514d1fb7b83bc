"""Domain rules of one incident record, checked on validated values (with the persons its
incident keeps); errors name the field; and the fingerprint of the event a record describes.

Shared by single create, update and bulk ingest, so every path applies the same rules.
"""

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from incidents.choices import Context, LocationPrecision, PersonSource
from incidents.districts import register, unknown_district

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
    """Protected contexts refuse facial recognition and want a legal basis; elsewhere a
    person from facial recognition names its authorisation (incidents.recognition)."""
    errors: dict[str, list[str]] = {}
    recognised = person.get("source") == PersonSource.FACIAL_RECOGNITION
    if protected and recognised:
        errors["source"] = ["Facial recognition is refused in protected contexts."]
    if protected and not (person.get("legal_basis") or "").strip():
        errors["legal_basis"] = ["Required for persons in protected contexts."]
    if not protected and recognised and not (person.get("authorisation_ref") or "").strip():
        errors["authorisation_ref"] = ["Required for persons from facial recognition."]
    return errors


def _outside(district: str, lat: float, lon: float) -> str:
    current = register()
    found = current.district_at(lat, lon)
    where = (
        f"it lies in {found}"
        if found
        else f"it lies in no district of the {current.label} register"
    )
    return (
        f"({lat:g}, {lon:g}) lies outside {district} (beyond the register's "
        f"{current.tolerance_km:g} km tolerance); {where}."
    )


def place(record: Mapping[str, Any]) -> tuple[str, dict[str, list[str]]]:
    """The district the record is stored with, and the errors of its place, checked against
    the district register (incidents.districts): a name or alias becomes the canonical name;
    an unknown one names `district`; a point outside the named district names `latitude` and
    `longitude`; a blank district is the one the point lies in, and a point in none names
    `latitude`. Every precision is held to these rules: the point is where the record places
    the event (a town's or district's centre lies in its district), so a named district must
    contain it, whatever the precision says. Only a blank district of a point of precision
    "province" stays blank: the report places the event in the province, not in the district
    its point happens to fall in (the point must still lie in some district of the register).
    With the register off, the district is kept as written."""
    current = register()
    given = (record.get("district") or "").strip()
    lat, lon = record.get("latitude"), record.get("longitude")
    if not current.enabled:
        return record.get("district") or "", {}
    district = current.canonical(given) if given else None
    if given and district is None:
        return given, {"district": [unknown_district(given)]}
    if lat is None or lon is None:
        return district or "", {}
    if district is None:
        found = current.district_at(lat, lon)
        if found is None:
            message = f"({lat:g}, {lon:g}) lies in no district of the {current.label} register."
            return "", {"latitude": [message]}
        if record.get("location_precision") == LocationPrecision.PROVINCE:
            return "", {}
        district = found
    elif not current.contains(district, lat, lon):
        message = _outside(district, lat, lon)
        return district, {"latitude": [message], "longitude": [message]}
    return district, {}


def settle_district(record: dict[str, Any]) -> None:
    """Store the record's district as the register names it (see `place`); run after the
    record passed `record_errors`."""
    record["district"] = place(record)[0]


def record_errors(
    record: Mapping[str, Any], *, now: datetime, stored_persons: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """Every rule the record breaks, as `{field: [messages]}` (persons keyed by index).

    `stored_persons` are the persons the incident keeps when the record does not carry
    `persons` (a re-post, PATCH or PUT of a stored incident): protected contexts apply to
    them too, so a write that gives an incident a protected context while it keeps a person
    the context does not allow is refused, naming `contexts`."""
    errors: dict[str, Any] = {**_time_errors(record, now), **place(record)[1]}
    protected = bool(PROTECTED_CONTEXTS.intersection(record.get("contexts") or ()))
    person_errors = {
        index: found
        for index, person in enumerate(record.get("persons") or ())
        if (found := _person_errors(person, protected))
    }
    if person_errors:
        errors["persons"] = person_errors
    kept = () if "persons" in record else stored_persons
    unlawful = sum(1 for person in kept if _person_errors(person, protected))
    if unlawful:
        errors["contexts"] = [
            f"{unlawful} stored person(s) of this incident have no legal basis or come from "
            "facial recognition, which protected contexts do not allow; send `persons` that "
            "meet the rules with this change."
        ]
    return errors


def event_fingerprint(
    *, occurred_at: datetime, latitude: float, longitude: float, category: str, description: str
) -> str:
    """The hex SHA-256 of what identifies the event a record describes: the time to the
    second (UTC), the place to 1e-4 degree (about 11 m), the category and the description
    (Unicode-normalised, case-folded, whitespace collapsed).

    It tells whether a write changes an incident's content: an update that leaves it as
    stored is not compared again for copies (incidents.provenance, which compares the event
    and the description themselves, so that cheap edits do not hide a copy). Pure (no
    models): migration 0009 fills stored rows with it.
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
