"""Verify the audit chain: `manage.py verify_audit` prints {ok, checked, first_bad, pending}
and exits 1 when the chain is broken."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fusion.audit_chain import seal, verify
from fusion.models import AuditSeal
from fusion.progress import ProgressBar


class Command(BaseCommand):
    help = "Seal pending audit entries, then recompute the audit hash chain from its start."

    def handle(self, *args: Any, **options: Any) -> None:
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
