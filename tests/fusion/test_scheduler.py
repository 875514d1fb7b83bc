"""The in-process scheduler of the embedded default: beat's schedule, run when due by Celery's
own schedule objects, on a thread that a failing task does not end; started only by the
serving command, and not when a broker is configured."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery import shared_task
from celery.schedules import crontab
from django.db import connection

from analytics.models import Assessment, Report
from fusion import scheduler
from fusion.scheduler import THREAD_NAME, Scheduler

ROOT = Path(__file__).resolve().parents[2]
calls: list[str] = []


@shared_task(name="tests.scheduler_probe")
def probe(label: str) -> None:
    calls.append(label)


@shared_task(name="tests.scheduler_broken")
def broken() -> None:
    raise RuntimeError("a task that fails")


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_entries_run_when_their_schedule_says():
    # given: an interval and a crontab, as beat's schedule holds them
    every = Scheduler(
        {
            "fast": {"task": "tests.scheduler_probe", "schedule": 0.3, "args": ["fast"]},
            "minutely": {"task": "tests.scheduler_probe", "schedule": crontab(), "args": ["cron"]},
        }
    )
    # when: at start every entry is due once
    wait = every.run_pending()
    # then
    assert sorted(calls) == ["cron", "fast"]
    assert wait <= 0.3
    # when: looked at again at once, nothing is due
    every.run_pending()
    assert sorted(calls) == ["cron", "fast"]
    # when: the interval has passed, only the interval entry is due again
    time.sleep(0.35)
    every.run_pending()
    assert sorted(calls) == ["cron", "fast", "fast"]


@pytest.mark.django_db(transaction=True)
def test_the_thread_runs_due_tasks_on_the_database_and_survives_failures(world):
    # given: an approved assessment of last week (the weekly report's input)
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    reviewed = datetime.combine(monday - timedelta(days=4), datetime.min.time(), tzinfo=UTC)
    Assessment.objects.create(
        kind="hotspots", status="approved", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="beat", method_version="1",
        code_version="beat", result={"cells": [], "warnings": []}, tlp="AMBER",
        finished_at=reviewed, reviewed_at=reviewed, reviewed_by=world.police_submitter,
    )  # fmt: skip
    running = Scheduler(
        {
            "broken": {"task": "tests.scheduler_broken", "schedule": 0.2},
            "weekly-reports": {"task": "analytics.reports_due", "schedule": 3600.0},
            "probe": {"task": "tests.scheduler_probe", "schedule": 0.2, "args": ["tick"]},
        }
    )
    # when
    running.start()
    try:
        # then: the report is made, and the failing task ends neither the thread nor the rest
        assert wait_for(lambda: Report.objects.filter(agency=world.police).exists())
        assert wait_for(lambda: calls.count("tick") >= 3)
        assert running.thread is not None
        assert running.thread.is_alive()
    finally:
        running.stop()
    report = Report.objects.get()
    assert (report.period_start, report.period_end) == (monday - timedelta(7), monday)
    assert report.status == "ready"


def test_not_started_when_a_broker_is_configured(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert scheduler.start() is None
    assert THREAD_NAME not in {t.name for t in threading.enumerate()}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    return {**env, **extra}


def test_not_started_by_tests_or_other_commands(db):
    # the test process
    assert THREAD_NAME not in {t.name for t in threading.enumerate()}
    # a shell (and so any command but the serving one)
    code = "import threading; print(sorted(t.name for t in threading.enumerate()))"
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "MainThread" in out.stdout
    assert THREAD_NAME not in out.stdout + out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], until: str, timeout: float = 90.0) -> str:
    """Start the serving command, read its log until `until` appears; stop it."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "manage.py", "runserver_embedded", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(server.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: until in "".join(seen) or server.poll() is not None, timeout)
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=10)
    return "".join(seen)


@pytest.mark.django_db(transaction=True)
def test_the_serving_command_runs_the_schedule_without_a_broker(world):
    # given: the server on the test database, no broker
    database = f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}"
    database += f":{connection.settings_dict['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    # when
    log = _serve(_env(DATABASE_URL=database), until="scheduler: weekly-reports")
    # then: started, and beat's entries ran in that process
    assert re.search(r"scheduler: started in-process with \d+ entries", log), log[-3000:]
    assert "scheduler: relay-outbox (fusion.outbox_relay) ran" in log, log[-3000:]
    assert "scheduler: weekly-reports (analytics.reports_due) ran" in log, log[-3000:]


def test_the_serving_command_leaves_the_schedule_to_beat_with_a_broker(db):
    env = _env(CELERY_BROKER_URL="redis://127.0.0.1:6399/0")
    log = _serve(env, until="beat runs the schedule", timeout=60)
    assert "a broker is configured; beat runs the schedule" in log, log[-3000:]
    assert "scheduler: started" not in log
