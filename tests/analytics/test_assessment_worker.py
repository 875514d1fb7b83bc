"""The assessment lifecycle on a real Celery worker over the real Redis broker."""

import psycopg
import pytest
from celery.signals import task_retry
from django.db import connection

from analytics import services
from analytics.models import Assessment
from tests.analytics.conftest import HOT, hotspot_request, ingest, records
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


def test_a_failing_run_is_recorded_as_failed_with_its_reason(world, client_for, redis_worker):
    # Quetta and Gwadar, 600 km apart, on 50 m cells: far more cells than any grid may hold
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
