"""Import incidents from a CSV or JSON Lines file into one agency, through the ingest rules."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from fusion import audit
from fusion.errors import Invalid
from fusion.memory import gc_paused
from fusion.progress import ProgressBar
from incidents.api.serializers import validate_records
from incidents.bulk import (
    BatchResult,
    batch_errors,
    incident_upsert_batch,
    incident_upsert_plan,
)
from incidents.importer import (
    Mapping,
    MappingError,
    count_rows,
    fingerprint,
    importer_account,
    read_rows,
)
from incidents.models import ImportRun, Incident
from incidents.provenance import Copied
from incidents.selectors import active_category_slugs
from incidents.services import DEFAULTS

# Fields a record may leave out (the required ones a mapping default gives every row alike).
OPTIONAL = set(DEFAULTS) - {"external_ref"}


class Command(BaseCommand):
    help = (
        "Import incidents from FILE (CSV or JSON Lines) into agency CODE: upserted by "
        "external_ref in chunked transactions (an update keeps the stored value of every field "
        "a row leaves out; the mapping's defaults apply on create only; a row that would "
        "store what is stored leaves its incident unchanged), bad rows and rows copying "
        "another agency's incident written to a reject file by line number, resumable after "
        "an interruption. --dry-run writes nothing to the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--agency", required=True, help="code of the owning agency")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: by extension")
        parser.add_argument("--mapping", help="JSON file with fields/values/defaults")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=TEMPLATE",
            help="map a field from columns, e.g. external_ref=SF-{incident_number}",
        )
        parser.add_argument("--chunk", type=int, default=1000, help="rows per transaction")
        parser.add_argument("--rejects", help="reject file (default: ./NAME.rejects.jsonl)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row as the import would and count what it would create, update "
            "and leave unchanged (-v 2: each row's line, external_ref and status); writes "
            "nothing to the database (the reject file is written)",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="start from the top even if an earlier run stopped midway",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        agency = Agency.objects.filter(code=opts["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency with code {opts['agency']!r}")
        kind = opts["format"] or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
        try:
            mapping = Mapping.load(opts["mapping"], opts["map"])
        except (MappingError, OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"mapping: {exc}") from exc
        run = None if opts["dry_run"] else self._run(agency, path, opts["restart"])
        # What a dry run would have written, by external_ref: later chunks merge into it.
        self._planned: dict[str, dict[str, Any]] = {}
        self._verbosity = opts["verbosity"]
        rejects_path = Path(opts["rejects"] or f"{path.name}.rejects.jsonl")
        with rejects_path.open("w") as rejects, audit.acting(component="command"):
            totals = self._import(path, kind, mapping, agency, run, rejects, opts)
        verb = "would import" if opts["dry_run"] else "imported"
        self.stdout.write(
            f"{verb}: {totals['created']} created, {totals['updated']} updated, "
            f"{totals['unchanged']} unchanged, "
            f"{totals['rejected']} rejected (see {rejects_path}), "
            f"{totals['superseded']} superseded by a later row with the same external_ref"
        )

    def _run(self, agency: Agency, path: Path, restart: bool) -> ImportRun:
        mark = fingerprint(path)
        earlier = ImportRun.objects.filter(
            agency=agency,
            fingerprint=mark,
            status__in=[ImportRun.Status.RUNNING, ImportRun.Status.FAILED],
        ).first()
        if earlier and not restart:
            self.stdout.write(f"resuming import {earlier.pk} after row {earlier.position}")
            earlier.status = ImportRun.Status.RUNNING
            earlier.save(update_fields=["status"])
            return earlier
        return ImportRun.objects.create(agency=agency, source=str(path), fingerprint=mark)

    def _import(
        self,
        path: Path,
        kind: str,
        mapping: Mapping,
        agency: Agency,
        run: ImportRun | None,
        rejects: Any,
        opts: dict,
    ) -> dict[str, int]:
        skip = run.position if run else 0
        totals = {
            "created": run.created if run else 0,
            "updated": run.updated if run else 0,
            "rejected": run.rejected if run else 0,
            "unchanged": 0,
            "superseded": 0,
        }
        bar = ProgressBar(count_rows(path, kind), stream=self.stdout, label="rows")
        bar.advance(skip)
        actor = importer_account(agency, create=not opts["dry_run"])
        categories = active_category_slugs()
        chunk: list[tuple[int, dict | None, str]] = []
        try:
            for index, item in enumerate(read_rows(path, kind)):
                if index < skip:
                    continue
                chunk.append(item)
                if len(chunk) >= opts["chunk"]:
                    self._chunk(
                        chunk, mapping, categories, agency, actor, run, rejects, totals, opts
                    )
                    bar.advance(len(chunk))
                    chunk = []
            if chunk:
                self._chunk(chunk, mapping, categories, agency, actor, run, rejects, totals, opts)
                bar.advance(len(chunk))
        except Exception as exc:
            if run:
                run.status, run.error = ImportRun.Status.FAILED, str(exc)
                run.save(update_fields=["status", "error"])
            raise
        bar.finish()
        if run:
            run.status, run.finished_at = ImportRun.Status.DONE, timezone.now()
            run.save(update_fields=["status", "finished_at"])
        return totals

    def _chunk(
        self,
        rows: list,
        mapping: Mapping,
        categories: set[str],
        agency: Agency,
        actor: Any,
        run: ImportRun | None,
        rejects: Any,
        totals: dict,
        opts: dict,
    ) -> None:
        # The chunk and the run's position commit together: a resumed import starts exactly
        # after the last chunk that was kept.
        self._statuses: list[tuple[int, Any, str]] = []  # (line, external_ref, status)
        with gc_paused(), transaction.atomic():  # gc: see fusion.memory
            good = self._validated(rows, mapping, categories, agency, rejects, totals)
            if good:
                result = self._upsert(good, agency, actor, rejects, totals, opts["dry_run"])
                totals["created"] += result.created
                totals["updated"] += result.updated
                totals["unchanged"] += result.unchanged
            if run:
                run.position += len(rows)
                run.created, run.updated, run.rejected = (
                    totals["created"],
                    totals["updated"],
                    totals["rejected"],
                )
                run.save(update_fields=["position", "created", "updated", "rejected"])
        if self._verbosity >= 2:  # what became of each row of the chunk, in the file's order
            for line, ref, status in sorted(self._statuses, key=lambda s: s[0]):
                self.stdout.write(f"line {line}: {ref or '-'} {status}")

    def _upsert(
        self,
        good: list[tuple[int, dict]],
        agency: Agency,
        actor: Any,
        rejects: Any,
        totals: dict,
        dry_run: bool,
    ) -> BatchResult:
        """Upsert the chunk's good records (a dry run: plan them, writing nothing); those
        copying another agency's incident the importer sees are rejected by line, and the rest
        upserted without them."""
        records = [record for _, record in good]
        try:
            if dry_run:
                result, written = incident_upsert_plan(
                    actor=actor, agency=agency, records=records, earlier=self._planned
                )
                self._planned.update(written)
            else:
                with transaction.atomic():
                    result = incident_upsert_batch(actor=actor, agency=agency, records=records)
        except Copied as exc:
            for index, found in exc.by_index.items():
                line, record = good[index]
                self._reject(rejects, line, found, self._rows.get(line), totals, record)
            kept = [item for index, item in enumerate(good) if index not in exc.by_index]
            if not kept:
                return BatchResult(created=0, updated=0, ids=[])
            return self._upsert(kept, agency, actor, rejects, totals, dry_run)
        except Invalid as exc:
            raise CommandError(f"chunk refused: {exc.detail}") from exc
        for (line, record), status in zip(good, result.statuses, strict=True):
            self._statuses.append((line, record.get("external_ref"), status))
        return result

    def _validated(
        self,
        rows: list,
        mapping: Mapping,
        categories: set[str],
        agency: Agency,
        rejects: Any,
        totals: dict,
    ) -> list[tuple[int, dict]]:
        """(line, record) of the chunk's good records, the last of each external_ref; bad rows
        go to rejects. A record updating an incident carries no field it has from the
        mapping's defaults only: defaults apply on create, an update keeps stored values."""
        readable = [(line, row) for line, row, problem in rows if row is not None]
        for line, row, problem in rows:
            if row is None:  # nothing readable to give: the problem says why
                self._reject(rejects, line, {"row": [problem]}, None, totals)
        self._rows = dict(readable)
        try:
            mapped = [mapping.apply(row) for _, row in readable]
        except MappingError as exc:
            raise CommandError(f"mapping: {exc}") from exc
        records, errors = validate_records(mapped, {"category_slugs": categories})
        good: dict[str, tuple[int, dict]] = {}
        for index, ((line, row), record) in enumerate(zip(readable, records, strict=True)):
            if str(index) in errors:
                self._reject(rejects, line, errors[str(index)], row, totals, mapped[index])
                continue
            if record.get("external_ref") in good:
                totals["superseded"] += 1
                earlier = good[record.get("external_ref")][0]
                self._statuses.append((earlier, record.get("external_ref"), "superseded"))
            good[record.get("external_ref")] = (line, record)
        existing = set(
            Incident.objects.filter(agency=agency, external_ref__in=list(good)).values_list(
                "external_ref", flat=True
            )
        )
        existing.update(ref for ref in good if ref in self._planned)
        kept: list = []
        for line, record in good.values():
            if record.get("external_ref") in existing:
                defaulted = mapping.defaulted(self._rows[line]) & OPTIONAL
                record = {k: v for k, v in record.items() if k not in defaulted}
            kept.append((line, record))
        for index, found in batch_errors([record for _, record in kept]).items():
            line, record = kept[int(index)]
            self._reject(rejects, line, found, self._rows[line], totals, record)
            kept[int(index)] = None
        return [item for item in kept if item is not None]

    def _reject(
        self,
        rejects: Any,
        line: int,
        errors: Any,
        row: dict | None,
        totals: dict,
        record: dict | None = None,
    ) -> None:
        """Write a refused row (the source row as read; None when it could not be read) with
        its line and errors; `record` (what the row became) names its external_ref."""
        rejects.write(json.dumps({"line": line, "errors": errors, "row": row}, default=str) + "\n")
        totals["rejected"] += 1
        self._statuses.append((line, (record or {}).get("external_ref"), "rejected"))
