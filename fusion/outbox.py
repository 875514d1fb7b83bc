"""A transactional outbox for Celery tasks.

`enqueue` records the task in the caller's transaction and sends it once that commits. If the
broker is down the row stays unsent and the request still succeeds: the relay (run by every
worker's upkeep loop and by beat) sends it when the broker is back. Sending is at least once,
so every task sent through here must be safe to run twice; a key keeps a retried request from
recording the same task twice while it waits.

Without a broker (the embedded default) the task runs in-process after commit, as before.
"""

import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fusion.models import OutboxTask

logger = logging.getLogger(__name__)


def enqueue(task: str, args: list[Any], *, key: str, options: dict[str, Any] | None = None) -> None:
    """Record `task(*args)` to be sent when the current transaction commits (at once outside
    one). A key already waiting unsent is not recorded again; that message is sent instead."""
    try:
        with transaction.atomic():
            pk = OutboxTask.objects.create(task=task, args=args, options=options or {}, key=key).pk
    except IntegrityError:  # the same task waits unsent already: send that one
        pk = OutboxTask.objects.filter(key=key, sent_at=None).values_list("pk", flat=True).first()
        if pk is None:
            return
    transaction.on_commit(lambda: send(pk))


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _publish(row: OutboxTask) -> None:
    if row.task not in current_app.tasks:
        current_app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery)
    task = current_app.tasks[row.task]
    if _eager():
        task.apply_async(args=row.args, **row.options)
    else:
        # No publish retries here: a down broker must not hold a request; the relay retries.
        task.apply_async(args=row.args, retry=False, **row.options)


def send(pk: int) -> bool:
    """Send one unsent task; True when this call sent it. A broker error is recorded on the
    row and left for the relay."""
    return _send(pk) == "sent"


def _send(pk: int) -> str:
    if _eager():
        row = OutboxTask.objects.filter(pk=pk, sent_at=None).first()
        if row is None or not OutboxTask.objects.filter(pk=pk, sent_at=None).delete()[0]:
            return "gone"
        _publish(row)  # runs the task here; its errors are the caller's, as without an outbox
        return "sent"
    with transaction.atomic():
        row = OutboxTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if row is None or row.sent_at is not None:
            return "gone"  # sent already, or another relay is sending it right now
        row.tries += 1
        try:
            _publish(row)
        except Exception as exc:  # the broker is down or refused it: keep it for the relay
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["tries", "last_error"])
            logger.warning("outbox: %s not sent (try %s): %s", row.key, row.tries, exc)
            return "refused"
        row.sent_at = timezone.now()
        row.save(update_fields=["tries", "sent_at"])
    return "sent"


def relay(limit: int = 500) -> int:
    """Send waiting tasks, oldest first, stopping at the first the broker refuses; forget
    sent ones older than OUTBOX_KEEP_DAYS. Returns how many this call sent."""
    pending = OutboxTask.objects.filter(sent_at=None).order_by("id")
    sent = 0
    for pk in pending.values_list("pk", flat=True)[:limit]:
        outcome = _send(pk)
        if outcome == "refused":
            break  # the broker is still down: try again at the next round
        sent += outcome == "sent"
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    OutboxTask.objects.filter(sent_at__lt=cutoff).delete()
    return sent


def waiting(key_prefix: str = "") -> int:
    """How many tasks wait unsent (for health checks and tests)."""
    return OutboxTask.objects.filter(sent_at=None, key__startswith=key_prefix).count()
