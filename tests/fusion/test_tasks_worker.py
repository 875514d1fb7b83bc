"""Agreement application on a real Celery worker over the Redis broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from fusion.models import SharingAgreement
from tests import factories

BROKER = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_worker():
    """A real worker thread consuming from Redis; tasks are sent, not run eagerly."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    _reset_connections()
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    app.conf.update(saved)
    _reset_connections()


def _reset_connections():
    """Drop connection and producer pools made for an earlier broker setting."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_agreement_is_applied_by_a_real_worker(world, client_for, redis_worker):
    # given
    matching = factories.incident(
        world.police, world.police_submitter, category="kidnapping", severity=4
    )
    factories.incident(world.police, world.police_submitter, category="robbery", severity=4)
    reader = client_for(world.levies_analyst)
    assert reader.get(f"/api/v1/incidents/{matching.pk}/").status_code == 404
    # when: the request commits, and only then is the task sent to Redis
    response = client_for(world.police_admin).post(
        "/api/v1/sharing-agreements/",
        {"recipient": "levies", "categories": ["kidnapping"], "level": "view"},
        format="json",
    )
    assert response.status_code == 201
    # then: the worker applies it
    applied = wait_for(lambda: SharingAgreement.objects.get().applied_at is not None)
    assert applied, "the worker did not apply the agreement"
    assert reader.get(f"/api/v1/incidents/{matching.pk}/").status_code == 200
    ids = {r["id"] for r in reader.get("/api/v1/incidents/").json()["results"]}
    assert ids == {str(matching.pk)}
