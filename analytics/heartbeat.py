"""The heartbeat of a running attempt: a thread that renews the attempt's lease while it
computes, so a lost attempt (its worker killed) is known within one lease, not a time limit."""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)


def lease_end():
    """When a lease taken or renewed now ends."""
    return timezone.now() + timedelta(seconds=settings.ASSESSMENT_LEASE)


@contextmanager
def beating(renew: Callable[[], int]) -> Iterator[None]:
    """Call `renew` every ASSESSMENT_HEARTBEAT seconds on a thread of its own (with its own
    database connection) until the block ends. A renewal that fails is logged and tried again
    at the next beat; a renewal that finds the attempt no longer its own stops the beat."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.ASSESSMENT_HEARTBEAT):
                try:
                    if not renew():
                        return  # another attempt took over, or the run ended
                except DatabaseError as exc:
                    logger.warning("heartbeat: lease not renewed: %s", exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name="assessment-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
