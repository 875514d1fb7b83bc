"""Standing assessments (requested by Celery beat) and the sweeper of lost runs."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from analytics import report_requests, services
from analytics.choices import ReportStatus, Status
from analytics.models import Assessment, Report, StandingAssessment
from fusion.errors import DomainError
from fusion.models import OutboxTask

logger = logging.getLogger(__name__)
SWEEP_LOCK = 0x46555353  # advisory lock key of the sweeper


def due(now=None) -> list[StandingAssessment]:
    """Active standing assessments never run, or last run `every_days` ago or more."""
    now = now or timezone.now()
    return [
        s
        for s in StandingAssessment.objects.filter(active=True).select_related("owner")
        if s.last_run_at is None or s.last_run_at <= now - timedelta(days=s.every_days)
    ]


def run_due(now=None) -> list[Assessment]:
    """Request each due standing assessment as its owner, over its window ending now. A
    refusal (the owner lost the role, a bad stored request) is recorded on the standing
    assessment; it is retried at the next beat."""
    now = now or timezone.now()
    made = []
    for item in due(now):
        with transaction.atomic():
            locked = StandingAssessment.objects.select_for_update(skip_locked=True).filter(
                pk=item.pk, last_run_at=item.last_run_at
            )
            if not locked.exists():
                continue  # another beat took it
            try:
                with transaction.atomic():
                    made.append(
                        services.assessment_request(
                            actor=item.owner,
                            data={**item.request, "kind": item.kind, "agency": item.agency.code},
                            after=now - timedelta(days=item.window_days),
                            before=now,
                            standing=item,
                        )
                    )
            except DomainError as exc:
                error = f"{exc.detail} {exc.errors or ''}".strip()
                logger.warning("standing assessment %s refused: %s", item.name, error)
                locked.update(last_error=error)
            else:
                locked.update(last_run_at=now, last_error="")
    return made


def sweep(now=None) -> int:
    """Send again the runs whose task was lost: running under a lease that lapsed (its worker
    died) with no message sent since, or queued with no message sent for
    ASSESSMENT_REQUEUE_AFTER seconds (the broker lost it). A run whose message waits in the
    outbox is left to the relay. Returns how many were sent again."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _sweep_lock():
            return 0  # another worker's upkeep is sweeping right now
        return _sweep(now)


def _sweep_lock() -> bool:
    """One sweep at a time across workers (PostgreSQL advisory lock, held to commit: a sweep
    that starts after it sees the messages the first one sent)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK])
        return cursor.fetchone()[0]


def _sweep(now) -> int:
    stale = now - timedelta(seconds=settings.ASSESSMENT_REQUEUE_AFTER)
    queued = Q(status=Status.QUEUED, created_at__lt=stale)
    lapsed = Q(status=Status.RUNNING, lease_until__lt=now)
    lost = Assessment.objects.filter(queued | lapsed).values_list("pk", "status", "lease_until")
    lost = {services.run_key(pk): (pk, status, lease) for pk, status, lease in lost}
    messages = (
        OutboxTask.objects.filter(key__in=lost)
        .values("key")
        .annotate(last_sent=Max("sent_at"), unsent=Count("pk", filter=Q(sent_at=None)))
    )
    history = {m["key"]: m for m in messages}
    resent = 0
    for key, (pk, status, lease) in lost.items():
        seen = history.get(key)
        since = lease if status == Status.RUNNING else stale
        if seen and (seen["unsent"] or (seen["last_sent"] and seen["last_sent"] >= since)):
            continue  # a message is on its way
        services.enqueue(pk)
        resent += 1
    return resent + _sweep_reports(stale)


def _sweep_reports(stale) -> int:
    """Send again the builds of reports queued or running since before `stale` with no
    message sent since (a build is safe to run twice: a ready report is left alone)."""
    waiting = Report.objects.filter(
        status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING], created_at__lt=stale
    ).values_list("pk", flat=True)
    keys = {report_requests.build_key(pk): pk for pk in waiting}
    in_flight = set(
        OutboxTask.objects.filter(key__in=keys)
        .filter(Q(sent_at=None) | Q(sent_at__gte=stale))
        .values_list("key", flat=True)
    )
    for key, pk in keys.items():
        if key not in in_flight:
            report_requests.enqueue(pk)
    return len(keys) - len(in_flight & set(keys))
