"""`manage.py audit_checkpoint [--out FOLDER]`: sign the audit chain's head (after sealing)
and print the checkpoint, or write it as a file in FOLDER, to be kept outside the database."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fusion import audit
from fusion.audit.checkpoint import CheckpointError, export_checkpoint, take_checkpoint
from fusion.models import AuditSeal


class Command(BaseCommand):
    help = "Sign the audit chain's current head; keep the checkpoint outside the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", help="folder to write the checkpoint file into")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["out"]:
                path = export_checkpoint(options["out"])
                checkpoint = json.loads(path.read_text())
                self.stdout.write(str(path))
            else:
                checkpoint = take_checkpoint()
                self.stdout.write(json.dumps(checkpoint, indent=2))
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        with audit.acting(component="command"):
            audit.log_event(
                event="audit.checkpoint",
                model=AuditSeal,
                object_repr="audit chain",
                details={"seq": checkpoint["seq"], "hash": checkpoint["hash"]},
            )
