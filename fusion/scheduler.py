"""Celery beat's schedule run in-process, for the embedded default.

Without a broker there is no beat: standing assessments, weekly reports, audit sealing and
checkpoints, share expiry and the sweep of lost runs would never happen. The serving process
of the embedded default (`manage.py runserver_embedded`, what `make run` starts) therefore
runs CELERY_BEAT_SCHEDULE itself, on one daemon thread: the same entries beat reads, due when
Celery's own schedule objects say so (`is_due()`: intervals and crontabs alike), each run in
this process as an eager task. Every entry is due once at start (a demo does not wait a day for
its first report), then on its schedule. Each run is logged with its time; a task that fails is
logged and the thread goes on. Nothing starts it but that command: not tests, `migrate`,
`shell`, a worker or gunicorn; and it refuses to start when a broker is configured (beat's job).
"""

import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from celery import Celery, current_app
from celery.beat import ScheduleEntry
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)
THREAD_NAME = "fusion-scheduler"
# Longest sleep between two looks at the schedule (an entry is never later than this).
MAX_WAIT = 60.0
# Due at start: as if last run long ago.
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class Scheduler:
    """Beat's schedule entries (`beat_schedule` form: name → task, schedule, args, kwargs),
    run in this process when due."""

    def __init__(self, schedule: Mapping[str, Mapping[str, Any]], app: Celery | None = None):
        self.app = app or current_app
        self.entries = {
            name: ScheduleEntry(
                name=name,
                task=spec["task"],
                schedule=spec["schedule"],
                args=tuple(spec.get("args", ())),
                kwargs=dict(spec.get("kwargs", {})),
                options=dict(spec.get("options", {})),
                last_run_at=_LONG_AGO,
                app=self.app,
            )
            for name, spec in schedule.items()
        }
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def run_pending(self) -> float:
        """Run every entry that is due now; returns the seconds until the next one is."""
        wait = MAX_WAIT
        for name, entry in list(self.entries.items()):
            due, next_check = entry.is_due()
            if due:
                self.entries[name] = next(entry)  # its last run is now
                self._run(entry)
            wait = min(wait, next_check)
        return wait

    def _run(self, entry: ScheduleEntry) -> None:
        began = time.perf_counter()
        try:
            if entry.task not in self.app.tasks:
                self.app.loader.import_default_modules()  # the apps' tasks modules
            result = self.app.tasks[entry.task].apply(
                args=entry.args, kwargs=entry.kwargs, throw=True
            )
        except Exception:  # logged; the next entry and the next round still run
            logger.exception("scheduler: %s (%s) failed", entry.name, entry.task)
        else:
            took = time.perf_counter() - began
            logger.info(
                "scheduler: %s (%s) ran in %.2f s: %r", entry.name, entry.task, took, result.result
            )
        finally:
            connections.close_all()  # this thread's: none held between runs

    def _loop(self) -> None:
        while not self.stopped.is_set():
            try:
                wait = self.run_pending()
            except Exception:  # a schedule that cannot be read now: try again later
                logger.exception("scheduler: round failed")
                wait = MAX_WAIT
            self.stopped.wait(max(wait, 1.0))

    def start(self) -> "Scheduler":
        self.thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self.thread.start()
        logger.info("scheduler: started in-process with %s entries", len(self.entries))
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout)


def start() -> Scheduler | None:
    """Run CELERY_BEAT_SCHEDULE in this process, unless a broker is configured (then beat
    runs it, and this returns None)."""
    if settings.CELERY_BROKER_URL:
        logger.info("scheduler: a broker is configured; beat runs the schedule")
        return None
    return Scheduler(current_app.conf.beat_schedule).start()
