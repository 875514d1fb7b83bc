"""Verify the audit chain: `manage.py verify_audit [--checkpoint FILE]` prints {ok, checked,
first_bad, pending} and exits 1 when the chain is broken, or no longer holds a signed
checkpoint's head where it was (truncated or rewritten)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fusion.audit.chain import Verification, seal, verify
from fusion.audit.checkpoint import verify_against
from fusion.models import AuditSeal
from fusion.progress import ProgressBar


class Command(BaseCommand):
    help = "Seal pending audit entries, then recompute the audit hash chain from its start."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", help="a signed checkpoint file (audit_checkpoint)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["checkpoint"]:
            result = self._against(Path(options["checkpoint"]))
        else:
            seal()  # so that the bar's total is what verify walks
            bar = ProgressBar(AuditSeal.objects.count(), stream=self.stdout, label="verifying")
            result = verify(progress=bar.advance)
            bar.finish()
        report = {
            "ok": result.ok,
            "checked": result.checked,
            "first_bad": result.first_bad,
            "pending": result.pending,
        }
        if result.reason:
            report["reason"] = result.reason
        self.stdout.write(json.dumps(report))
        if not result.ok:
            raise CommandError(f"audit chain broken at entry {result.first_bad}: {result.reason}")

    @staticmethod
    def _against(path: Path) -> Verification:
        try:
            return verify_against(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:  # CheckpointError and bad JSON are ValueErrors
            raise CommandError(f"checkpoint {path}: {exc}") from exc
