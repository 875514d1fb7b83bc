"""Faults of real processes: a worker killed mid-run and a broker down during a POST.

Each test runs its own redis-server and `celery worker` (prefork) as child processes on the
test database, without beat: recovery comes from the workers' own upkeep loop. The lease
and upkeep interval are shortened so a recovery takes seconds instead of the default minute.
"""

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings

from analytics.models import Assessment
from fusion import outbox
from fusion.models import OutboxTask, SharingAgreement
from tests import factories
from tests.analytics.conftest import HOT, hotspot_request, ingest, records
from tests.processes import RedisServer, Worker, database_url, service_env, wait_until
from tests.worker import redis_broker

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/assessments/"
LEASE, UPKEEP = 4, 1
FAST = {"ASSESSMENT_LEASE": LEASE, "ASSESSMENT_HEARTBEAT": 1, "FUSION_UPKEEP_INTERVAL": UPKEEP}
# A lost run must be resumed (or failed) within one lease and one upkeep round; the
# margin covers a worker starting and the run itself.
BOUND = 6 * (LEASE + UPKEEP)


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        with redis_broker(server.url):
            yield server
    finally:
        server.remove()


@contextmanager
def inputs_locked() -> Iterator[None]:
    """Hold the snapshot table, so a run that has claimed its assessment waits mid-run."""
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as other:
        other.execute("LOCK TABLE analytics_assessmentinput IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


def status_of(pk: str) -> str:
    return Assessment.objects.get(pk=pk).status


def request_run(world, client_for) -> str:
    ingest(world.police, world.police_submitter, records(40, seed=7, centre=HOT))
    response = client_for(world.police_analyst).post(URL, hotspot_request(), format="json")
    assert response.status_code == 202
    return response.json()["id"]


def test_a_killed_pool_process_is_resumed_within_the_lease_exactly_once(world, client_for, broker):
    pk = request_run(world, client_for)
    worker = Worker(service_env(broker.url, **FAST))
    try:
        with inputs_locked():
            worker.start()
            assert wait_until(lambda: status_of(pk) == "running", 30)
            worker.kill_pool_process()  # mid-run: the attempt never finishes
        assert wait_until(lambda: status_of(pk) == "pending_review", BOUND), Assessment.objects.get(
            pk=pk
        ).error
    finally:
        worker.stop()
    done = Assessment.objects.get(pk=pk)
    assert done.attempts == 2  # the killed attempt, then the one that finished
    assert done.result["cells"]
    assert done.progress == 100


def test_a_worker_killed_whole_is_resumed_by_the_next_one(world, client_for, broker):
    pk = request_run(world, client_for)
    first = Worker(service_env(broker.url, **FAST), name="first")
    second = Worker(service_env(broker.url, **FAST), name="second")
    try:
        with inputs_locked():
            first.start()
            assert wait_until(lambda: status_of(pk) == "running", 30)
            first.kill()  # its message stays unacknowledged in the broker for hours
        second.start()
        assert wait_until(lambda: status_of(pk) == "pending_review", BOUND)
    finally:
        first.stop()
        second.stop()
    assert Assessment.objects.get(pk=pk).attempts == 2


def test_a_run_that_keeps_dying_is_failed_with_the_reason(world, client_for, broker):
    pk = request_run(world, client_for)
    worker = Worker(service_env(broker.url, ASSESSMENT_MAX_ATTEMPTS=1, **FAST))
    try:
        with inputs_locked():
            worker.start()
            assert wait_until(lambda: status_of(pk) == "running", 30)
            worker.kill_pool_process()
            assert wait_until(lambda: status_of(pk) == "failed", BOUND)
    finally:
        worker.stop()
    failed = Assessment.objects.get(pk=pk)
    assert "gave up after 1 attempts that did not finish" in failed.error
    assert failed.result is None
    assert failed.attempts == 1


def test_a_broker_outage_during_posts_loses_nothing_and_duplicates_nothing(
    world, client_for, broker
):
    # given: an incident the agreement covers, and the broker down
    ingest(world.police, world.police_submitter, records(40, seed=8, centre=HOT))
    kidnap = factories.incident(
        world.police, world.police_submitter, category="kidnapping", severity=4
    )
    broker.stop()
    analyst, admin = client_for(world.police_analyst), client_for(world.police_admin)
    agreement = {"recipient": "levies", "categories": ["kidnapping"], "level": "view"}
    # when: both POSTs are made, then retried (no Idempotency-Key)
    run = analyst.post(URL, hotspot_request(), format="json")
    made = admin.post("/api/v1/sharing-agreements/", agreement, format="json")
    run_again = analyst.post(URL, hotspot_request(), format="json")
    made_again = admin.post("/api/v1/sharing-agreements/", agreement, format="json")
    # then: accepted, honestly queued, and the retries name the same objects
    assert (run.status_code, run.json()["status"]) == (202, "queued")
    assert (made.status_code, made.json()["apply_state"]) == (201, "queued")
    assert run_again.status_code == 202
    assert run_again.json()["id"] == run.json()["id"]
    assert made_again.status_code == 200
    assert made_again.json()["id"] == made.json()["id"]
    assert Assessment.objects.count() == SharingAgreement.objects.count() == 1
    assert outbox.waiting() == 2
    assert all(row.tries >= 1 and row.last_error for row in OutboxTask.objects.all())
    # when: the broker is back and a worker runs (no beat)
    broker.start()
    worker = Worker(service_env(broker.url, **FAST))
    try:
        worker.start()
        assert wait_until(lambda: outbox.waiting() == 0, BOUND)
        pk = run.json()["id"]
        assert wait_until(lambda: status_of(pk) == "pending_review", BOUND)
        assert wait_until(lambda: SharingAgreement.objects.get().applied_at is not None, BOUND)
    finally:
        worker.stop()
    # then: each task ran once, and the agreement reached the incident it covers
    assert Assessment.objects.get().attempts == 1
    reader = client_for(world.levies_analyst)
    assert reader.get(f"/api/v1/incidents/{kidnap.pk}/").status_code == 200
    listed = admin.get(f"/api/v1/sharing-agreements/{made.json()['id']}/").json()
    assert listed["apply_state"] == "applied"


def test_a_broker_that_hangs_holds_a_post_only_for_its_socket_timeout(world, client_for, broker):
    # given: a broker that accepts connections and never answers (a stopped process)
    ingest(world.police, world.police_submitter, records(40, seed=9, centre=HOT))
    broker.process.send_signal(signal.SIGSTOP)
    try:
        began = time.monotonic()
        response = client_for(world.police_analyst).post(URL, hotspot_request(), format="json")
        took = time.monotonic() - began
    finally:
        broker.process.send_signal(signal.SIGCONT)
    # then: answered, honestly queued, its task waiting in the outbox for the relay
    assert (response.status_code, response.json()["status"]) == (202, "queued")
    assert took < 3 * settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"]
    assert outbox.waiting() == 1


def test_a_run_stopped_by_its_soft_time_limit_mid_query_is_failed_with_that_reason(
    world, client_for, broker, settings
):
    settings.ASSESSMENT_SOFT_TIME_LIMIT = 3  # the request sets the run's limits
    pk = request_run(world, client_for)
    worker = Worker(service_env(broker.url, **FAST))
    try:
        with inputs_locked():  # the run waits in its snapshot query until the limit strikes
            worker.start()
            assert wait_until(lambda: status_of(pk) == "failed", BOUND)
    finally:
        worker.stop()
    failed = Assessment.objects.get(pk=pk)
    assert failed.error == "time limit exceeded: narrow the scope or use larger cells"
    assert failed.attempts == 1
