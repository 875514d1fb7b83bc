"""Without a broker, a task that asks to be retried is not lost: its message waits in the
outbox again, and the relay (run by the in-process scheduler) runs it once it can."""

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from analytics import services
from analytics.models import Assessment
from fusion import outbox
from fusion.models import OutboxTask
from tests.analytics.conftest import AFTER, BEFORE, HOT, hotspot_request, ingest, records

pytestmark = pytest.mark.django_db(transaction=True)
LOCK = "SELECT 1 FROM analytics_assessment WHERE id = %s FOR UPDATE"


def _dsn() -> str:
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"host={host} port={port} dbname={s['NAME']} user={s['USER']}"


def test_a_run_retried_in_process_waits_for_the_relay_and_then_runs(world, settings):
    # given: no broker, and a queued assessment whose row another session holds locked
    assert settings.CELERY_TASK_ALWAYS_EAGER
    ingest(world.police, world.police_submitter, records(30, seed=7, centre=HOT))
    assessment = services.assessment_request(
        actor=world.police_analyst, data=hotspot_request(), after=AFTER, before=BEFORE
    )  # runs at once here (no request to wait for): set back to queued
    Assessment.objects.filter(pk=assessment.pk).update(
        status="queued", result=None, finished_at=None, attempts=0, created_at=timezone.now()
    )
    with psycopg.connect(_dsn(), autocommit=False) as other:
        other.execute(
            "SELECT 1 FROM analytics_assessment WHERE id = %s FOR UPDATE", [assessment.pk]
        )
        # when: its run is sent and finds the row locked (the task asks for a retry)
        services.enqueue(assessment.pk)
        # then: not lost; its message waits again
        assert Assessment.objects.get(pk=assessment.pk).status == "queued"
        waiting = OutboxTask.objects.get(key=services.run_key(assessment.pk), sent_at=None)
        assert "Busy" in waiting.last_error or "lock" in waiting.last_error
        other.rollback()
    # when: the relay's next round
    outbox.relay()
    # then
    done = Assessment.objects.get(pk=assessment.pk)
    assert done.status == "pending_review"
    assert done.attempts == 1
    assert not OutboxTask.objects.filter(sent_at=None).exists()
