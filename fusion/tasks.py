"""Celery entry points of sharing: they take ids and call one service."""

import json

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from fusion import audit, outbox
from fusion.audit.chain import seal
from fusion.audit.checkpoint import export_checkpoint
from fusion.connections import fresh_connection
from fusion.models import AuditSeal
from fusion.oversight.bias_drift import bias_drift_check
from fusion.oversight.metric_drift import metric_drift_check
from fusion.oversight.read_monitor import unusual_reads_check
from fusion.retention.runs import retention_scheduled
from fusion.sharing.agreements import agreement_apply, agreement_apply_failed
from fusion.sharing.shares import shares_expire

# Broker and database outages (a dropped connection, a failover) are retried with backoff.
RETRY = {
    "autoretry_for": (OSError, OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(
    name="fusion.agreement_apply", acks_late=True, soft_time_limit=600, time_limit=660, **RETRY
)
def agreement_apply_task(agreement_id: int) -> None:
    """Share (and withdraw) what an agreement covers now; safe to run twice. An error is
    recorded on the agreement (cleared by the next run that succeeds)."""
    try:
        agreement_apply(agreement_id=agreement_id)
    except Exception as exc:
        fresh_connection()  # the error may have left it unusable (dropped, mid-statement)
        agreement_apply_failed(agreement_id, f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="fusion.outbox_relay", acks_late=True, soft_time_limit=120, time_limit=150)
def outbox_relay_task() -> int:
    """Send the tasks the broker did not take when they were made (it was down)."""
    return outbox.relay()


@shared_task(name="fusion.shares_expire", acks_late=True, soft_time_limit=300, time_limit=330)
def shares_expire_task() -> None:
    """End grants past their expiry and drop their permission rows."""
    shares_expire()


@shared_task(name="fusion.audit_seal", acks_late=True, soft_time_limit=300, time_limit=330)
def audit_seal_task() -> None:
    """Chain the audit entries committed since the last run (one sealer at a time)."""
    seal()


@shared_task(name="fusion.audit.checkpoint", acks_late=True, soft_time_limit=600, time_limit=660)
def audit_checkpoint_task() -> str | None:
    """Write a signed checkpoint of the audit chain into AUDIT_CHECKPOINT_DIR (when it and
    AUDIT_CHECKPOINT_KEY are set); the entry it logs names the position and the file."""
    if not (settings.AUDIT_CHECKPOINT_DIR and settings.AUDIT_CHECKPOINT_KEY):
        return None
    path = export_checkpoint(settings.AUDIT_CHECKPOINT_DIR)
    checkpoint = json.loads(path.read_text())
    with audit.acting(component="worker"):
        audit.log_event(
            event="audit.checkpoint",
            model=AuditSeal,
            object_repr="audit chain",
            details={"seq": checkpoint["seq"], "hash": checkpoint["hash"], "file": path.name},
        )
    return str(path)


@shared_task(name="fusion.unusual_reads_check", acks_late=True, soft_time_limit=600, time_limit=660)
def unusual_reads_check_task() -> int:
    """Users who read persons or exported far above their agency's norm in the window in
    progress or the one before (fusion.oversight.read_monitor); a failure is recorded on the
    window's run. Returns the findings of the runs (raised or updated)."""
    with audit.acting(component="worker"):
        return sum(run.found for run in unusual_reads_check())


@shared_task(name="fusion.bias_drift_check", acks_late=True, soft_time_limit=600, time_limit=660)
def bias_drift_check_task() -> int:
    """Districts flagged out of proportion, or flags repeated, result after result across the
    approved results of each agency and method (fusion.oversight.bias_drift); a failure is
    recorded on the run. Returns the findings of the run."""
    with audit.acting(component="worker"):
        return bias_drift_check().found


@shared_task(name="fusion.metric_drift_check", acks_late=True, soft_time_limit=600, time_limit=660)
def metric_drift_check_task() -> int:
    """Flags wrong more often than their method promised: each agency's realised forecast hit
    rate and link precision against the promised ones, and hotspot and surge false-positive
    rates against their ceiling (fusion.oversight.metric_drift); a failure is recorded on the
    run. Returns the findings of the run."""
    with audit.acting(component="worker"):
        return metric_drift_check().found


@shared_task(name="fusion.retention_run", acks_late=True, soft_time_limit=1740, time_limit=1800)
def retention_run_task() -> int | None:
    """The daily retention pass: apply the dry run that has waited its notice period, then
    record the next one (fusion.retention.runs). A failed run has its error on its record;
    the next pass carries on where it stopped."""
    applied, _ = retention_scheduled()
    return applied.persons if applied is not None else None
