"""The upkeep loop every worker runs beside its pool: send what the outbox holds and resend
lost assessment runs, every FUSION_UPKEEP_INTERVAL seconds. It needs neither beat nor a
working broker to notice a lost run, so recovery is bounded even when beat is not running;
several workers running it at once are safe (rows are claimed with SKIP LOCKED, and a run
is sent once per lost lease)."""

import logging
import os
import threading

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)
_running: list[threading.Event] = []
# Held during a round: a pool process is never forked while the round has a database
# connection open (a child would inherit the socket and could close it under the parent).
_round = threading.Lock()
os.register_at_fork(
    before=_round.acquire, after_in_parent=_round.release, after_in_child=_round.release
)


def tick() -> dict[str, int]:
    """One round: relay the outbox, then resend lost runs. Returns what each did."""
    from analytics.standing import sweep
    from fusion.outbox import relay

    with _round:
        try:
            return {"relayed": relay(), "resent": sweep()}
        finally:
            connections.close_all()  # hold no connection between rounds


def _loop(stop: threading.Event) -> None:
    while not stop.wait(settings.FUSION_UPKEEP_INTERVAL):
        try:
            done = tick()
        except Exception:  # a database or broker outage: log it and try again next round
            logger.exception("upkeep round failed")
            continue
        if any(done.values()):
            logger.info("upkeep: %s", done)


def start() -> threading.Thread | None:
    """Start the loop on a daemon thread (once per worker process); not when
    FUSION_UPKEEP_INTERVAL is 0."""
    if settings.FUSION_UPKEEP_INTERVAL <= 0:
        return None
    stop = threading.Event()
    _running.append(stop)
    thread = threading.Thread(target=_loop, args=(stop,), name="fusion-upkeep", daemon=True)
    thread.start()
    return thread


def stop() -> None:
    """End every loop this process started (at worker shutdown)."""
    while _running:
        _running.pop().set()
