"""Incidents in STIX 2.1: the objects an export writes and the records an import reads.

An incident is an `incident` object whose Fusion fields travel in a property extension
(`EXTENSION_ID`, defined by the `extension-definition` object every export carries), with its
coordinates in a `location` joined by a `located-at` relationship. All three carry the TLP 2.0
marking of the incident's label (the OASIS TLP 2.0 marking definitions); the owning agency is
an `identity`. Ids are derived from the incident's id, so exporting twice names the same
objects. An import reads those objects back (objects of other types are counted and left
alone), and also takes the TLP 1.0 markings of STIX 2.1 (WHITE is read as CLEAR).
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import stix2
from stix2.exceptions import STIXError

from incidents.choices import TLP

# Derived ids (uuid5) of Fusion's STIX objects live under this namespace.
NAMESPACE = uuid.UUID("4b58ec2f-51cf-4e1d-948d-7e9b44326d8a")
EXTENSION_ID = "extension-definition--ec4545fd-f914-4ac6-a0f0-d8bbc5e570f6"
FUSION_IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'fusion')}"
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKINGS = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_OF_MARKING = {
    **{marking: label for label, marking in TLP2_MARKINGS.items()},
    stix2.TLP_WHITE.id: TLP.CLEAR,
    stix2.TLP_GREEN.id: TLP.GREEN,
    stix2.TLP_AMBER.id: TLP.AMBER,
    stix2.TLP_RED.id: TLP.RED,
}
# Fusion fields carried in the extension (coordinates travel in the location object).
EXTENDED = (
    "agency", "external_ref", "occurred_at", "reported_at", "category", "severity", "killed",
    "injured", "location_precision", "district", "contexts", "status", "version", "redacted",
)  # fmt: skip
# Extension fields an import takes (the rest are the exporter's, not the importer's, to set).
IMPORTED = (
    "external_ref", "occurred_at", "reported_at", "category", "severity", "killed", "injured",
    "location_precision", "district", "contexts", "status",
)  # fmt: skip
# Counts that are left out when unknown (null): an import reads a count left out as unknown
# when it creates the incident, and keeps the stored count when it updates one.
UNKNOWN_LEFT_OUT = ("killed", "injured")
DEFINED = "2026-12-01T00:00:00.000Z"
EXTENSION_VERSION, EXTENSION_MODIFIED = "1.1.0", "2026-12-07T00:00:00.000Z"  # 1.1: precision


def timestamp(moment: datetime) -> str:
    """A STIX timestamp: UTC, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def derived_id(kind: str, *parts: object) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, ':'.join(str(p) for p in parts))}"


def definitions() -> list[dict[str, Any]]:
    """What every export carries: Fusion's identity, its extension's definition and the five
    TLP 2.0 marking definitions."""
    fusion = {
        "type": "identity", "spec_version": "2.1", "id": FUSION_IDENTITY_ID, "created": DEFINED,
        "modified": DEFINED, "name": "Fusion", "identity_class": "system",
    }  # fmt: skip
    extension = {
        "type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
        "created_by_ref": FUSION_IDENTITY_ID, "created": DEFINED, "modified": EXTENSION_MODIFIED,
        "name": "Fusion incident", "version": EXTENSION_VERSION,
        "extension_types": ["property-extension"],
        "description": "Fusion's incident fields on a STIX incident.",
        "schema": (
            "Properties: agency (code of the owning agency), external_ref (the agency's own "
            "reference), occurred_at and reported_at (timestamps), category (slug of Fusion's "
            "taxonomy), severity (1-5), killed and injured (counts; left out when unknown, "
            "which is not 0), location_precision (exact, town, district or province: how "
            "closely the location places the event), district, contexts (list of protest, "
            "religious_gathering, campus), status, version, redacted (true when "
            "fields were withheld from the reader). Coordinates: a location object joined by a "
            "located-at relationship."
        ),
    }  # fmt: skip
    return [fusion, extension, *(_tlp2_marking(label) for label in TLP2_MARKINGS)]


def _tlp2_marking(label: TLP) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition of `label`."""
    extension = {"extension_type": "property-extension", "tlp_2_0": label.value.lower()}
    return {
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2_MARKINGS[label],
        "created": "2022-10-01T00:00:00.000Z", "name": label.label,
        "extensions": {TLP2_EXTENSION_ID: extension},
    }  # fmt: skip


def agency_identity(code: str, name: str) -> dict[str, Any]:
    return {
        "type": "identity", "spec_version": "2.1", "id": derived_id("identity", "agency", code),
        "created": DEFINED, "modified": DEFINED, "name": name, "identity_class": "organization",
    }  # fmt: skip


def incident_objects(
    data: Mapping[str, Any], *, created: datetime, modified: datetime
) -> list[dict[str, Any]]:
    """The incident, its location and the relationship between them, for one serialized
    incident (`data`: the fields its reader may see)."""
    marking = [TLP2_MARKINGS[TLP(data["tlp"])]]
    incident_id = f"incident--{data['id']}"
    common = {
        "spec_version": "2.1", "created": timestamp(created), "modified": timestamp(modified),
        "created_by_ref": derived_id("identity", "agency", data["agency"]),
        "object_marking_refs": marking,
    }  # fmt: skip
    fields = {name: data[name] for name in EXTENDED if name in data}
    for name in UNKNOWN_LEFT_OUT:  # an unknown count is no property, as STIX leaves null out
        if fields.get(name, 0) is None:
            del fields[name]
    name = data["category"] + (f" in {data['district']}" if data.get("district") else "")
    incident = {
        "type": "incident", "id": incident_id, **common, "name": name,
        "extensions": {EXTENSION_ID: {"extension_type": "property-extension", **fields}},
    }  # fmt: skip
    if data.get("description"):
        incident["description"] = data["description"]
    location = {
        "type": "location", "id": derived_id("location", data["id"]), **common,
        "latitude": data["latitude"], "longitude": data["longitude"],
    }  # fmt: skip
    relationship = {
        "type": "relationship", "id": derived_id("relationship", data["id"], "located-at"),
        **common, "relationship_type": "located-at", "source_ref": incident_id,
        "target_ref": location["id"],
    }  # fmt: skip
    return [incident, location, relationship]


class BundleError(ValueError):
    """The body is not a STIX 2.1 bundle."""


def records_from_bundle(
    bundle: Any, agency_code: str
) -> tuple[list[dict[str, Any]], list[str], dict[str, dict[str, list[str]]], int]:
    """(records, the id of each record's incident object, errors by object id, number of
    objects of other types) for a STIX 2.1 bundle imported by agency `agency_code`.

    Records carry Fusion's field names and are validated later by the ingest rules; an
    incident without its own `external_ref` is upserted under its STIX id, so posting a bundle
    again updates what it created. An incident that a Fusion export names as another agency's
    is refused: importing it would make the recipient its owner, free to re-share it."""
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise BundleError('Expected a STIX 2.1 bundle: an object with "type": "bundle".')
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        raise BundleError('A bundle holds its objects in an "objects" list.')
    errors: dict[str, dict[str, list[str]]] = {}
    parsed: list[Any] = []
    for index, item in enumerate(objects):
        key = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        try:
            parsed.append(stix2.parse(item, allow_custom=True, version="2.1"))
        except (STIXError, ValueError, TypeError, KeyError, AttributeError) as exc:
            errors[key or f"objects[{index}]"] = {"stix": [str(exc)]}
    located = _locations(parsed)
    records, ids, other = [], [], 0
    for obj in parsed:
        if obj.get("type") != "incident":
            other += obj.get("type") not in ("location", "relationship")
            continue
        record, problems = _record(obj, located.get(obj["id"]), agency_code)
        if problems:
            errors[obj["id"]] = problems
        records.append(record)
        ids.append(obj["id"])
    return records, ids, errors, other


def _locations(objects: Iterable[Any]) -> dict[str, tuple[float, float]]:
    """incident id → (latitude, longitude) of the location it is `located-at`."""
    points = {
        o["id"]: (o["latitude"], o["longitude"])
        for o in objects
        if o.get("type") == "location" and "latitude" in o and "longitude" in o
    }
    return {
        o["source_ref"]: points[o["target_ref"]]
        for o in objects
        if o.get("type") == "relationship"
        and o.get("relationship_type") == "located-at"
        and o.get("target_ref") in points
    }


def _record(
    incident: Any, point: tuple[float, float] | None, agency_code: str
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    fields = dict(incident.get("extensions", {}).get(EXTENSION_ID, {}))
    record = {name: fields[name] for name in IMPORTED if name in fields}
    record.setdefault("external_ref", incident["id"])
    problems: dict[str, list[str]] = {}
    owner = fields.get("agency")
    if owner is not None and owner != agency_code:
        problems["agency"] = [f"Agency {owner!r} owns this incident; only it may import it."]
    if "description" in incident:
        record["description"] = incident["description"]
    if point is None:
        problems["location"] = ["No located-at relationship to a location with coordinates."]
    else:
        record["latitude"], record["longitude"] = point
    marked = incident.get("object_marking_refs", [])
    labels = {TLP_OF_MARKING[m] for m in marked if m in TLP_OF_MARKING}
    if len(labels) > 1:
        problems["tlp"] = ["More than one TLP marking."]
    elif labels:
        record["tlp"] = labels.pop().value
    return record, problems
