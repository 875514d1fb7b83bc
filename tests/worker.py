"""A real Celery worker over the real Redis broker, for tests of tasks."""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker
from kombu import pools as kombu_pools

from config.celery import app


def worker_index() -> int:
    """Which pytest-xdist worker runs this process (0 without xdist)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:] or 0)


# Redis databases of each test process's own, three each from 14 down, so that parallel test
# processes never share a queue or a cache (15 and 0 are left to checks that only connect).
REDIS_USES = ("broker", "api_cache", "shared_cache")


def own_redis_url(use: str) -> str:
    """The Redis database of this test process for `use` (one of REDIS_USES)."""
    number = 14 - worker_index() * len(REDIS_USES) - REDIS_USES.index(use)
    if number < 1:
        most = 14 // len(REDIS_USES)
        raise RuntimeError(f"Redis has too few databases for this many test processes: {most}")
    return f"redis://127.0.0.1:6379/{number}"


BROKER = own_redis_url("broker")


@contextmanager
def redis_broker(url: str = BROKER) -> Iterator[None]:
    """Send tasks to an emptied Redis database instead of running them in-process."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    _reset_connections()
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_connections()


@contextmanager
def running_worker() -> Iterator[None]:
    """A worker thread consuming from the broker (solo pool: no time limits)."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def _reset_connections() -> None:
    """Drop connection and producer pools made for an earlier broker setting (kombu keeps them
    in a process-wide registry, so a closed pool would otherwise be handed out again)."""
    if app._pool is not None:
        app._pool.force_close_all()
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
