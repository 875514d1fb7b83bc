"""Reports asked for: an analyst or coordinator names a period, a worker builds the report.

`report_request` checks the period and records the report as queued in the caller's
transaction, with its build sent through the outbox (fusion.outbox) once that commits; without
a broker the build runs in-process after the response. There is one report per agency and
period: asking again for a period that has one (made weekly, or asked for before) answers
that report; only a failed build is queued again. `report_build` is the worker's side: it
marks the report running, fills it (analytics.reports.report_fill) and marks it ready, or
failed with the error on the record.
"""

import logging
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.acting import acting_agency
from agencies.models import User
from analytics.choices import ReportStatus
from analytics.models import Report
from analytics.reports import report_fill
from analytics.scope import EARLIEST
from analytics.selectors import REQUESTER_ROLES
from fusion import audit, outbox
from fusion.connections import fresh_connection
from fusion.errors import Invalid

logger = logging.getLogger(__name__)
BUILD_TASK = "analytics.report_build"
MAX_PERIOD_DAYS = 366


def check_period(start: date, end: date, *, today: date | None = None) -> None:
    """[start, end) must be a non-empty span of at most MAX_PERIOD_DAYS from EARLIEST (as
    assessments' windows) that ends by the end of today (UTC). Raises Invalid naming the
    field at fault."""
    today = today or timezone.now().date()
    if start < EARLIEST:
        raise Invalid(errors={"period_start": [f"The period cannot start before {EARLIEST}."]})
    if start > today:
        raise Invalid(errors={"period_start": ["The period cannot start after today."]})
    if end <= start:
        raise Invalid(errors={"period_end": ["Must be after period_start (the end is excluded)."]})
    if end > today + timedelta(days=1):
        raise Invalid(
            errors={"period_end": ["The period cannot end after today (at most tomorrow's date)."]}
        )
    if (end - start).days > MAX_PERIOD_DAYS:
        raise Invalid(errors={"period_end": [f"The period spans at most {MAX_PERIOD_DAYS} days."]})


@audit.attributed
def report_request(
    *, actor: User, start: date, end: date, agency: str | None = None
) -> tuple[Report, bool]:
    """Ask for the report of [start, end) of the actor's agency (`agency`: its code, for a
    member of several). Returns the report and whether a build was queued by this call (False:
    the period's report exists and is ready or being built). Raises NotAllowed (not an analyst
    or coordinator of the agency), Invalid (the agency code, the period)."""
    acting = acting_agency(actor, agency, REQUESTER_ROLES, "request reports")
    check_period(start, end)
    with transaction.atomic():
        report, queued = Report.objects.get_or_create(
            agency=acting,
            period_start=start,
            period_end=end,
            defaults={"status": ReportStatus.QUEUED, "requested_by": actor},
        )
        if not queued:
            report = Report.objects.select_for_update().get(pk=report.pk)
            if report.status == ReportStatus.FAILED:  # asked again after a failed build
                report.status, report.error, report.requested_by = ReportStatus.QUEUED, "", actor
                report.save(update_fields=["status", "error", "requested_by"])
                queued = True
        if queued:
            enqueue(report.pk)
        audit.log_event(
            event="report.request",
            obj=report,
            actor=actor,
            details={
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "outcome": "queued" if queued else "existing",
            },
        )
    return report, queued


def build_key(report_id: Any) -> str:
    """The outbox key of a report's build: one unsent message per report at a time."""
    return f"{BUILD_TASK}:{report_id}"


def enqueue(report_id: Any) -> None:
    """Send the build to a worker through the outbox once the current transaction commits."""
    outbox.enqueue(BUILD_TASK, [str(report_id)], key=build_key(report_id))


def report_build(report_id: str) -> None:
    """Build a queued report (the body of the worker task; safe to run twice: a ready report
    is left alone). An error fails the report with the reason on the record."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status == ReportStatus.READY:
            return
        report.status, report.error = ReportStatus.RUNNING, ""
        report.save(update_fields=["status", "error"])
    try:
        with transaction.atomic():
            report_fill(report)
    except Exception as exc:  # recorded on the report: its reader sees why it is missing
        fresh_connection()
        logger.exception("report %s: build failed", report_id)
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
