"""Exchange formats: exports streamed as CSV, GeoJSON or a STIX 2.1 bundle, and CSV read for
import (STIX is read by incidents.stix).

An export reads the visible incidents a page at a time, in the list's order (newest first),
and writes each page as the incident output serializer gives it, so the field policy of the
API is the field policy of every export. Persons are never read.
"""

import csv
import io
import json
import uuid
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

from agencies.models import User
from fusion.errors import Invalid
from incidents import stix
from incidents.access import access_levels
from incidents.api.geojson import feature
from incidents.api.serializers import IncidentOutputSerializer
from incidents.models import Incident
from incidents.redaction import INCIDENT_FIELDS

PAGE = 1000
CSV_COLUMNS = INCIDENT_FIELDS
# Text a spreadsheet would run as a formula when a cell starts with one of these characters.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = ("external_ref", "district", "description")
Page = list[tuple[Incident, dict[str, Any]]]


def pages(user: User, queryset: QuerySet[Incident]) -> Iterator[Page]:
    """(incident, serialized fields) pages of the visible `queryset`, newest first."""
    rows = queryset.order_by("-occurred_at", "-id").iterator(chunk_size=PAGE)
    while page := list(islice(rows, PAGE)):
        context = {"levels": access_levels(user, page)}
        data = IncidentOutputSerializer(page, many=True, context=context).data
        yield list(zip(page, data, strict=True))


def _dumps(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))


def csv_text(source: Iterator[Page]) -> Iterator[str]:
    """A header line, then one line per incident; contexts joined by ';'. Text cells that a
    spreadsheet would run as formulas are prefixed with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for page in source:
        for _, data in page:
            writer.writerow([_cell(name, data.get(name)) for name in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(name: str, value: Any) -> Any:
    if name == "contexts":
        return ";".join(value or [])
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in _TEXT_COLUMNS and isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def geojson_text(source: Iterator[Page], label: str) -> Iterator[str]:
    """A FeatureCollection with the label of its most restrictive incident as `tlp`."""
    yield f'{{"type":"FeatureCollection","tlp":{_dumps(label)},"features":['
    first = True
    for page in source:
        text = ",".join(_dumps(feature(data)) for _, data in page)
        yield text if first else "," + text
        first = False
    yield "]}"


def stix_text(source: Iterator[Page]) -> Iterator[str]:
    """A STIX 2.1 bundle: the definitions, each owning agency's identity once, then three
    objects per incident (see incidents.stix)."""
    head = [*stix.definitions()]
    yield f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":['
    yield ",".join(_dumps(o) for o in head)
    agencies: set[str] = set()
    for page in source:
        objects = []
        for incident, data in page:
            if data["agency"] not in agencies:
                agencies.add(data["agency"])
                objects.append(stix.agency_identity(incident.agency.code, incident.agency.name))
            objects += stix.incident_objects(
                data, created=incident.created_at, modified=incident.updated_at
            )
        yield "," + ",".join(_dumps(o) for o in objects)
    yield "]}"


def _rows(reader: csv.DictReader) -> Iterator[dict[str | None, Any]]:
    """The reader's rows; a row the csv module cannot read (a cell over its size limit, a
    stray quote) is an error naming its line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num + 1  # the reader had not counted the line it failed on
            errors = {"lines": {str(line): [str(exc)]}}
            raise Invalid(f"CSV line {line}: {exc}", errors=errors) from exc
        yield row


def csv_records(text: str) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """(records, the line of each, errors by line) of a CSV body whose header names Fusion's
    fields. An empty cell is a field not given (its default applies); contexts are joined by
    ';'. Rows with the wrong number of cells are errors by line."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise Invalid("The CSV body is empty.", errors={"csv": ["A header row is required."]})
    records, lines, problems = [], [], {}
    for row in _rows(reader):
        line = str(reader.line_num)
        if None in row or None in row.values():
            problems[line] = {"row": ["Wrong number of cells for the header."]}
            continue
        record: dict[str, Any] = {name: value for name, value in row.items() if value != ""}
        if "contexts" in record:
            record["contexts"] = [c.strip() for c in record["contexts"].split(";") if c.strip()]
        records.append(record)
        lines.append(line)
    return records, lines, problems
