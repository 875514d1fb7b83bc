"""Celery entry points of analytics: they take ids and call one service.

`assessment_run_task` is acknowledged late (a worker lost mid-run gets the task redelivered),
retried with exponential backoff on transient errors (a locked row, a dropped database
connection) and bounded by the time limits the request sets from ASSESSMENT_* settings.
Whatever ends a run for good is recorded on the assessment, not only in a log.
"""

from celery import shared_task

from analytics import flag_outcomes, report_requests, services, standing
from analytics.reports import reports_due
from fusion import audit

MAX_RETRIES = 5


@shared_task(name="analytics.assessment_run", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def assessment_run_task(self, assessment_id: str) -> None:
    with audit.acting(None, component="worker"):
        try:
            services.assessment_run(assessment_id)
        except services.TRANSIENT as exc:
            if self.request.retries >= MAX_RETRIES:
                reason = services.describe(exc)
                services.assessment_give_up(
                    assessment_id, f"gave up after {MAX_RETRIES} retries; last error {reason}"
                )
                return
            raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc


@shared_task(name="analytics.standing_due", acks_late=True, soft_time_limit=600, time_limit=660)
def standing_due_task() -> None:
    """Request every standing assessment that is due."""
    with audit.acting(None, component="beat"):
        standing.run_due()


@shared_task(name="analytics.sweep", acks_late=True, soft_time_limit=120, time_limit=150)
def sweep_task() -> None:
    """Re-send assessments whose task was lost (queued too long, or a lapsed lease)."""
    standing.sweep()


@shared_task(name="analytics.reports_due", acks_late=True, soft_time_limit=600, time_limit=660)
def reports_due_task() -> int:
    """Make last week's reports (idempotent: a report of a period is made once, then kept up
    to date)."""
    return len(reports_due())


@shared_task(name="analytics.report_build", acks_late=True, soft_time_limit=600, time_limit=660)
def report_build_task(report_id: str) -> None:
    """Build a report asked for through the API (idempotent; a failure is recorded on it)."""
    with audit.acting(None, component="worker"):
        report_requests.report_build(report_id)


@shared_task(name="analytics.flags_update", acks_late=True, soft_time_limit=1800, time_limit=1860)
def flags_update_task() -> int:
    """Raise flags missing from approved results and compute the outcomes of flags whose
    period has ended (idempotent; a failed computation is recorded on its flags)."""
    with audit.acting(None, component="beat"):
        return flag_outcomes.flags_update()
