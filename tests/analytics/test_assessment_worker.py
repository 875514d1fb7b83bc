"""The assessment lifecycle on a real Celery worker over the real Redis broker."""

import psycopg
import pytest
from celery.signals import task_retry
from django.db import connection

from analytics import services
from analytics.models import Assessment
from tests.analytics.conftest import AFTER, BEFORE, HOT, hotspot_request, ingest, records
from tests.worker import redis_broker, running_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/assessments/"


def status_of(pk) -> str:
    return Assessment.objects.get(pk=pk).status


def test_a_worker_computes_the_assessment(world, client_for, redis_worker):
    ingest(world.police, world.police_submitter, records(40, seed=1, centre=HOT))
    response = client_for(world.police_analyst).post(URL, hotspot_request(), format="json")
    assert response.status_code == 202
    pk = response.json()["id"]
    assert wait_for(lambda: status_of(pk) == "pending_review"), Assessment.objects.get(pk=pk).error
    done = Assessment.objects.get(pk=pk)
    assert done.progress == 100
    assert done.attempts == 1
    assert done.started_at <= done.finished_at
    assert any(c["kind"] == "hot" for c in done.result["cells"])


def test_a_failing_run_is_recorded_as_failed_with_its_reason(
    world, client_for, redis_worker, settings
):
    # Quetta and Gwadar, 600 km apart, on 50 m cells: more cells than the method's grid may
    # hold (the request-time cap, which would refuse it first, is lifted for this test)
    settings.ASSESSMENT_MAX_CELLS = 10**9
    rows = records(20, seed=2, centre=HOT) + records(20, seed=3, centre=(25.12, 62.33))
    ingest(world.police, world.police_submitter, rows)
    body = {**hotspot_request(), "params": {"cell_size_km": 0.05}, "area": {}}
    pk = client_for(world.police_analyst).post(URL, body, format="json").json()["id"]
    assert wait_for(lambda: status_of(pk) == "failed")
    failed = Assessment.objects.get(pk=pk)
    assert "cells exceed the limit" in failed.error
    assert failed.result is None
    assert failed.finished_at is not None


def _dsn() -> str:
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"host={host} port={port} dbname={s['NAME']} user={s['USER']}"


@pytest.fixture
def retries():
    """The reasons of the retries the worker schedules (Celery's task_retry signal)."""
    seen: list[str] = []

    def record(sender=None, reason=None, **kwargs) -> None:
        seen.append(repr(reason))

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


def test_a_run_blocked_by_a_lock_is_retried_with_backoff_and_completes_once(
    world, client_for, retries
):
    ingest(world.police, world.police_submitter, records(40, seed=4, centre=HOT))
    with redis_broker():
        pk = (
            client_for(world.police_analyst)
            .post(URL, hotspot_request(), format="json")
            .json()["id"]
        )
        # another session holds the row when the worker first tries to claim it
        with psycopg.connect(_dsn(), autocommit=False) as other:
            other.execute("SELECT 1 FROM analytics_assessment WHERE id = %s FOR UPDATE", [pk])
            with running_worker():
                assert wait_for(lambda: len(retries) >= 2), "the worker did not back off"
                assert all("Busy" in reason for reason in retries)
                assert status_of(pk) == "queued"
                other.rollback()  # the lock goes; the next retry succeeds
                assert wait_for(lambda: status_of(pk) == "pending_review")
                # a duplicate delivery of the finished run changes nothing
                before = Assessment.objects.get(pk=pk)
                services.enqueue(pk)
                services.enqueue(pk)
                wait_for(lambda: False, timeout=2.0)
    after = Assessment.objects.get(pk=pk)
    assert after.attempts == before.attempts == 1
    assert after.finished_at == before.finished_at
    assert after.result == before.result
    assert after.error == ""


def _running(world, attempts: int, lease_s: float) -> Assessment:
    """An assessment claimed `attempts` times whose lease ends in `lease_s` seconds."""
    from datetime import timedelta

    from django.utils import timezone

    ingest(world.police, world.police_submitter, records(30, seed=5, centre=HOT))
    assessment = services.assessment_request(
        actor=world.police_analyst, data=hotspot_request(), after=AFTER, before=BEFORE
    )  # without a broker the run happens at once: it is set back to running below
    Assessment.objects.filter(pk=assessment.pk).update(
        status="running",
        result=None,
        finished_at=None,
        attempts=attempts,
        lease_until=timezone.now() + timedelta(seconds=lease_s),
        error="",
    )
    return Assessment.objects.get(pk=assessment.pk)


def test_a_run_that_never_finishes_is_failed_after_its_attempts(world, settings):
    # given: three attempts whose workers were lost (the lease lapsed each time)
    settings.ASSESSMENT_MAX_ATTEMPTS = 3
    assessment = _running(world, attempts=3, lease_s=-1)
    # when: the task is delivered once more
    services.assessment_run(str(assessment.pk))
    # then: it is failed with the reason, not claimed a fourth time
    failed = Assessment.objects.get(pk=assessment.pk)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "gave up after 3 attempts" in failed.error
    assert failed.result is None


def test_a_stale_attempt_cannot_fail_or_requeue_a_newer_one(world):
    # given: attempt 2 lost its lease and attempt 3 claimed the run
    stale = _running(world, attempts=2, lease_s=-1)
    services.assessment_run(str(stale.pk))  # attempt 3 runs it to the end
    done = Assessment.objects.get(pk=stale.pk)
    assert (done.status, done.attempts) == ("pending_review", 3)
    # when: attempt 2's worker wakes and reports a failure
    services.assessment_fail(stale, "ValueError: from a stale attempt")
    # then: the newer attempt's result stands
    after = Assessment.objects.get(pk=stale.pk)
    assert (after.status, after.error, after.result) == ("pending_review", "", done.result)
