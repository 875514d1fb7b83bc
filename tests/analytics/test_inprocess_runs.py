"""Without a broker (the embedded default) a run that a request queues happens after the
response has been sent: the request answers at once, and truthfully, that it is queued.

The requests go through the WSGI application itself, as a server calls it: the response is
returned, and only closing it (once a server has sent the body) starts the deferred work."""

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from analytics.models import Assessment, Report
from fusion import after_response
from fusion.models import OutboxTask
from tests import factories
from tests.analytics.conftest import hotspot_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quiet_before_flush():
    """Work after a response runs on other connections of this process: let every statement
    of theirs end before the test's data is flushed (a flush waits on their locks)."""
    yield
    after_response.drain()
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)


def serve(path: str, body: dict, user) -> tuple[int, dict, Callable[[], None]]:
    """POST through the WSGI application: status, JSON body, and the close a server does
    once it has sent the body."""
    request = RequestFactory().post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {factories.token(user)}",
    )
    started: list[str] = []
    response = WSGIHandler()(request.environ, lambda status, headers: started.append(status))
    content = b"".join(response)
    return int(started[0].split()[0]), json.loads(content), response.close


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_an_assessment_runs_after_the_response_is_sent(world, scene, client_for, settings):
    # given: no broker
    assert settings.CELERY_TASK_ALWAYS_EAGER
    # when
    status, body, close = serve("/api/v1/assessments/", hotspot_request(), world.police_analyst)
    # then: answered queued, and it is queued, while the response has not been closed
    assert status == 202, body
    assert body["status"] == "queued"
    assert Assessment.objects.get(pk=body["id"]).status == "queued"
    # when the server has sent the response
    close()
    # then: the run happens, once
    assert wait_for(lambda: Assessment.objects.get(pk=body["id"]).status == "pending_review")
    assert after_response.drain()
    read = client_for(world.police_analyst).get(f"/api/v1/assessments/{body['id']}/").json()
    assert read["status"] == "pending_review"
    assert read["attempts"] == 1
    assert not OutboxTask.objects.exists()


def test_a_report_is_built_after_the_response_is_sent(world):
    # given
    week = date(2026, 11, 23)
    when = datetime(2026, 11, 25, 9, tzinfo=UTC)
    Assessment.objects.create(
        kind="hotspots", status="approved", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="inproc", method_version="1",
        code_version="inproc", result={"cells": [], "warnings": []}, tlp="AMBER",
        finished_at=when, reviewed_at=when, reviewed_by=world.police_submitter,
    )  # fmt: skip
    period = {"period_start": week.isoformat(), "period_end": str(week + timedelta(days=7))}
    # when
    status, body, close = serve("/api/v1/reports/", period, world.police_analyst)
    # then
    assert status == 202, body
    assert body["status"] == "queued"
    assert Report.objects.get(pk=body["id"]).status == "queued"
    close()
    assert wait_for(lambda: Report.objects.get(pk=body["id"]).status == "ready")
    assert after_response.drain()
    assert Report.objects.get(pk=body["id"]).assessments.count() == 1
