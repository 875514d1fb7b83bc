"""A transactional outbox for Celery tasks.

`enqueue` records the task in the caller's transaction and sends it once that commits. If the
broker is down the row stays unsent and the request still succeeds: the relay (run by every
worker's upkeep loop and by beat) sends it when the broker is back. Sending is at least once,
so every task sent through here must be safe to run twice; a key keeps a retried request from
recording the same task twice while it waits.

Without a broker (the embedded default) the task runs in-process after commit: inside a
request once the response has been sent (fusion.after_response, on its thread for long work),
so that a request that queues a run answers at once and truthfully that it is queued;
elsewhere (a command, the in-process scheduler) there and then. The row is the claim: whoever
deletes it runs the task, so a run deferred and the relay never run it twice.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

from celery import current_app
from celery.exceptions import Retry
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from fusion import after_response
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


def _publish(row: OutboxTask, connection: Any = None) -> None:
    if row.task not in current_app.tasks:
        current_app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery)
    task = current_app.tasks[row.task]
    if connection is None:
        task.apply_async(args=row.args, **row.options)  # eager: runs here
    else:
        task.apply_async(args=row.args, connection=connection, retry=False, **row.options)


@contextmanager
def _broker() -> Iterator[Any]:
    """A broker connection that fails at once when the broker is down (kombu would otherwise
    retry for seconds, holding the request that sends)."""
    with current_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        yield connection


def send(pk: int) -> bool:
    """Send one unsent task; True when this call sent it (without a broker: ran it, or
    deferred its run until the response is sent). A broker error is recorded on the row and
    left for the relay."""
    if _eager():
        return after_response.defer(lambda: _run_here(pk), long=True) or _run_here(pk)
    try:
        with _broker() as connection:
            return _send_batch([pk], connection)[0] == 1
    except Exception as exc:  # the broker is down: the row waits for the relay
        _refused(OutboxTask.objects.filter(pk=pk, sent_at=None), exc)
        return False


def _run_here(pk: int) -> bool:
    """Run an unsent task in this thread (no broker); False when another took it first. A
    task that asks to be retried (a locked row, a dropped connection) waits unsent again for
    the relay: run eagerly, Celery would only raise its retry, and the run would be lost."""
    row = OutboxTask.objects.filter(pk=pk, sent_at=None).first()
    if row is None or not OutboxTask.objects.filter(pk=pk, sent_at=None).delete()[0]:
        return False
    try:
        _publish(row)  # runs the task here; its errors are the caller's, as without an outbox
    except Retry as retry:
        logger.warning("outbox: %s %s waits for the relay: %s", row.task, row.args, retry)
        again = {"task": row.task, "args": row.args, "options": row.options, "key": row.key}
        with suppress(IntegrityError), transaction.atomic():  # the same task waits already
            OutboxTask.objects.create(**again, tries=row.tries + 1, last_error=str(retry)[:2000])
    return True


def _refused(rows: QuerySet[OutboxTask], exc: Exception) -> None:
    logger.warning("outbox: %s task(s) not sent: %s", rows.count(), exc)
    rows.update(tries=F("tries") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])


def _send_batch(pks: list[int], connection: Any) -> tuple[int, bool]:
    """Send the given unsent rows that no other relay holds, in one transaction. Returns how
    many were sent and whether the broker refused one (the rest then wait)."""
    with transaction.atomic():
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(pk__in=pks, sent_at=None)
            .order_by("id")
        )
        sent: list[int] = []
        refused = None
        for row in rows:
            try:
                _publish(row, connection)
            except Exception as exc:  # the broker went away or refused it: keep the rest
                refused = (row, exc)
                break
            sent.append(row.pk)
        OutboxTask.objects.filter(pk__in=sent).update(sent_at=timezone.now(), tries=F("tries") + 1)
        if refused:
            _refused(OutboxTask.objects.filter(pk=refused[0].pk), refused[1])
    return len(sent), refused is not None


def relay(batch: int = 500) -> int:
    """Send every waiting task, oldest first, over one connection, stopping at the first the
    broker refuses; forget sent ones older than OUTBOX_KEEP_DAYS. Returns how many this call
    sent."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    OutboxTask.objects.filter(sent_at__lt=cutoff).delete()
    unsent = OutboxTask.objects.filter(sent_at=None).order_by("id").values_list("pk", flat=True)
    if _eager():
        return sum(send(pk) for pk in list(unsent[:batch]))
    total, after = 0, 0
    try:
        with _broker() as connection:
            while pending := list(unsent.filter(pk__gt=after)[:batch]):
                sent, refused = _send_batch(pending, connection)
                total += sent
                if refused:
                    break  # the broker went away: try again at the next round
                after = pending[-1]
    except Exception as exc:  # the broker is down
        logger.warning("outbox: tasks wait for the broker: %s", exc)
    return total


def waiting(key_prefix: str = "") -> int:
    """How many tasks wait unsent (for health checks and tests)."""
    return OutboxTask.objects.filter(sent_at=None, key__startswith=key_prefix).count()
