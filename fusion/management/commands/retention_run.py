"""`manage.py retention_run [--dry-run | --apply RUN] [--batch-size N]`: anonymise the persons
past their category's retention period (fusion.retention.runs).

Always a dry run first: `--dry-run` records one (its counts per agency and category) and
changes nothing else; `--apply RUN` applies a recorded dry run; with neither, the command
records a dry run, prints its counts and applies it at once (the operator's decision, where
the schedule waits FUSION_RETENTION_NOTICE_HOURS). Exits 1 when the run fails (its error is
on its record)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fusion.models import RetentionRun
from fusion.progress import ProgressBar
from fusion.retention.runs import retention_apply, retention_dry_run, retention_incident_count

COMPONENT = "command"


class Command(BaseCommand):
    help = "Count (--dry-run) or anonymise the persons past their retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="count only; change nothing")
        mode.add_argument("--apply", type=int, metavar="RUN", help="apply this recorded dry run")
        parser.add_argument("--batch-size", type=int, default=None, help="incidents per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["apply"] is not None:
            dry_run = RetentionRun.objects.filter(
                pk=options["apply"], dry_run=True, status=RetentionRun.Status.DONE
            ).first()
            if dry_run is None:
                raise CommandError(f"No finished dry run {options['apply']}.")
        else:
            dry_run = retention_dry_run(component=COMPONENT)
            self._report(dry_run, "dry run")
            if options["dry_run"]:
                self.stdout.write(f"Nothing changed. Apply it with --apply {dry_run.pk}.")
                return
        self._apply(dry_run, options["batch_size"])

    def _apply(self, dry_run: RetentionRun, batch_size: int | None) -> None:
        bar = ProgressBar(
            retention_incident_count(dry_run=dry_run), stream=self.stdout, label="anonymising"
        )
        try:
            run = retention_apply(
                dry_run=dry_run, component=COMPONENT, batch_size=batch_size, progress=bar.advance
            )
        except Exception as exc:
            bar.finish()
            raise CommandError(f"Retention run failed: {type(exc).__name__}: {exc}") from exc
        bar.finish()
        self._report(run, "run")

    def _report(self, run: RetentionRun, kind: str) -> None:
        self.stdout.write(
            f"Retention {kind} {run.pk}: {run.persons} persons on {run.incidents} incidents"
            + (f" ({run.held} more kept by legal holds)" if run.dry_run else "")
        )
        for count in run.counts.select_related("agency").order_by("agency__code", "category"):
            self.stdout.write(
                f"  {count.agency.code} {count.category_id}: {count.persons} persons, "
                f"{count.incidents} incidents, {count.held} held (reported before "
                f"{count.cutoff:%Y-%m-%d})"
            )
