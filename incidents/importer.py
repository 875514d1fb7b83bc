"""File import of incidents (CSV or JSON Lines) through the bulk ingest rules.

A mapping turns a source row into Fusion fields: `fields` are templates over the row's
columns (`"SF-{incident_number}-{category}"`), `values` translate field values
(`{"category": {"ROBBERY": "robbery"}}`) and `defaults` fill the rest when a row creates an
incident (a row updating one leaves the stored values of the fields it lacks as they are, as
every re-post does; incidents.services). An empty killed, injured or location_precision cell
is a field the row lacks: a count left blank is unknown, never 0. Rows are read in chunks;
each chunk's good records are upserted in one transaction (a later row with the same
external_ref updates the earlier one), bad rows go to a reject file with their line number
and errors, and the committed position is saved so that an interrupted import resumes.
A dry run writes nothing (no account, no run, no incident): it checks every row as the import
would and counts what it would create, update and leave unchanged.
"""

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agencies.choices import Role
from agencies.models import Agency, Membership, ServiceAccount, User
from agencies.selectors import stand_in

FINGERPRINT_BYTES = 1 << 20
# Fields whose empty cell is no value, not a value: a casualty count left blank is unknown
# (null) when the row creates its incident (unless the mapping has a default), and a row
# that updates one keeps the stored count; a blank precision is likewise left out.
BLANK_IS_ABSENT = frozenset({"killed", "injured", "location_precision"})


class MappingError(ValueError):
    """The mapping refers to a column the source does not have, or is malformed."""


@dataclass
class Mapping:
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | None, overrides: list[str]) -> "Mapping":
        """From a JSON file (optional) plus `field=template` overrides."""
        data = json.loads(Path(path).read_text()) if path else {}
        mapping = cls(data.get("fields", {}), data.get("values", {}), data.get("defaults", {}))
        for item in overrides:
            name, sep, template = item.partition("=")
            if not sep:
                raise MappingError(f"--map takes field=template, got {item!r}")
            mapping.fields[name.strip()] = template
        return mapping

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """The Fusion record for one source row (strings; the serializer types them)."""
        record: dict[str, Any] = {**self.defaults, **self._given(row)}
        for name, table in self.values.items():
            if name in record and record[name] in table:
                record[name] = table[record[name]]
        return record

    def _given(self, row: dict[str, Any]) -> dict[str, Any]:
        """The fields the row itself gives: all its columns without a mapping (they carry
        Fusion's field names), else the templates; an empty cell of `BLANK_IS_ABSENT` gives
        nothing."""
        record = {} if self.fields else dict(row)
        for name, template in self.fields.items():
            try:
                record[name] = template.format_map(row)
            except KeyError as exc:
                raise MappingError(f"column {exc.args[0]!r} is not in the source") from exc
        return {k: v for k, v in record.items() if not (k in BLANK_IS_ABSENT and v == "")}

    def defaulted(self, row: dict[str, Any]) -> set[str]:
        """The fields `apply` takes from `defaults` alone for this row: a row that updates an
        incident does not carry them (defaults apply on create)."""
        return set(self.defaults) - set(self._given(row))


def fingerprint(path: Path) -> str:
    """Identifies a source file: its size and the hash of its first MiB."""
    with path.open("rb") as handle:
        head = handle.read(FINGERPRINT_BYTES)
    return hashlib.sha256(head + str(path.stat().st_size).encode()).hexdigest()


def count_rows(path: Path, kind: str) -> int:
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(lines - 1, 0) if kind == "csv" else lines


def read_rows(path: Path, kind: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, row or None, problem) for every data row."""
    with path.open(newline="", encoding="utf-8") as handle:
        if kind == "csv":
            reader = csv.DictReader(handle)
            for row in reader:
                broken = None in row or any(v is None for v in row.values())
                problem = "wrong number of columns" if broken else ""
                yield reader.line_num, None if broken else row, problem
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"not JSON: {exc.msg}"
                continue
            yield (number, row, "") if isinstance(row, dict) else (number, None, "not an object")


def importer_account(agency: Agency, *, create: bool = True) -> User:
    """The agency's file-import service account (created once), the actor of imports.

    With `create` False (a dry run) nothing is written: the account when it exists, otherwise
    an unsaved stand-in holding the role the account will have, so that the checks see and
    allow what they will for the import."""
    username = f"svc.{agency.code}.file-import"
    if not create:
        existing = User.objects.filter(username=username).first()
        return existing or stand_in(username, {agency.pk: Role.SUBMITTER})
    user, made = User.objects.get_or_create(username=username)
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        ServiceAccount.objects.create(user=user, agency=agency, name="file import")
        Membership.objects.create(user=user, agency=agency, role=Role.SUBMITTER)
    return user
