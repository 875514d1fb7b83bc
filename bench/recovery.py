"""Recovery: the time from a killed worker to its run's recovery, and from the broker back up
to every outboxed task sent. Real processes (redis-server, `celery worker`, no beat) on a
throwaway database. Prints figures; asserts nothing.

    ../.venv/bin/python recovery.py            # the default lease and upkeep interval
    ../.venv/bin/python recovery.py --quick    # lease 10 s, upkeep 5 s
"""

import sys
import time

from common import setup_database

QUICK = "--quick" in sys.argv
TASKS = 2_000  # outboxed tasks waiting for the broker


def request_run() -> str:
    """A hotspot run over 200 incidents of one agency, queued for a worker."""
    from analytics import services
    from incidents.bulk import incident_upsert_batch
    from tests import factories
    from tests.analytics.conftest import AFTER, BEFORE, HOT, hotspot_request, records

    police = factories.agency("police", "police")
    submitter = factories.member(police, "submitter")
    analyst = factories.member(police, "analyst")
    incident_upsert_batch(actor=submitter, agency=police, records=records(200, seed=1, centre=HOT))
    run = services.assessment_request(
        actor=analyst, data=hotspot_request(), after=AFTER, before=BEFORE
    )
    return str(run.pk)


def killed_worker(env) -> None:
    import psycopg

    from analytics.models import Assessment
    from tests.processes import Worker, database_url, wait_until

    pk = request_run()
    worker = Worker(env, name="bench")
    dsn = database_url().replace("postgres://", "postgresql://")
    with psycopg.connect(dsn) as other:  # hold the run mid-way
        other.execute("LOCK TABLE analytics_assessmentinput IN ACCESS EXCLUSIVE MODE")
        worker.start()
        wait_until(lambda: Assessment.objects.get(pk=pk).status == "running", 60)
        worker.kill_pool_process()
        killed = time.monotonic()
        other.rollback()
    wait_until(lambda: Assessment.objects.get(pk=pk).status == "pending_review", 600, 0.05)
    took = time.monotonic() - killed
    worker.stop()
    done = Assessment.objects.get(pk=pk)
    print(f"killed pool process → run finished: {took:6.1f} s  (status {done.status}, ")
    print(f"  attempts {done.attempts}; bound: lease + upkeep interval + the run itself)")


def broker_outage(server, env) -> None:
    from fusion import outbox
    from tests.processes import Worker, wait_until

    server.stop()
    made = time.monotonic()
    for i in range(TASKS):
        outbox.enqueue("fusion.shares_expire", [], key=f"bench:{i}")
    print(f"{TASKS} tasks recorded with the broker down in {time.monotonic() - made:.1f} s;")
    print(f"  waiting unsent: {outbox.waiting('bench:')}")
    worker = Worker(env, name="relay")
    worker.start(wait=False)  # the worker runs before the broker is back
    time.sleep(5)
    server.start()
    back = time.monotonic()
    wait_until(lambda: outbox.waiting("bench:") == 0, 600, 0.05)
    print(f"broker back up → all {TASKS} sent: {time.monotonic() - back:6.1f} s")
    worker.stop()


def main() -> None:
    setup_database("bench_recovery")
    from config.celery import app
    from tests.processes import RedisServer, service_env

    settings = {"ASSESSMENT_LEASE": 10, "FUSION_UPKEEP_INTERVAL": 5, "ASSESSMENT_HEARTBEAT": 2}
    settings = settings if QUICK else {}
    lease = settings.get("ASSESSMENT_LEASE", 60)
    upkeep = settings.get("FUSION_UPKEEP_INTERVAL", 15)
    print(f"lease {lease} s, upkeep interval {upkeep} s, no beat")
    server = RedisServer()
    server.start()
    app.conf.update(broker_url=server.url, task_always_eager=False)
    env = service_env(server.url, **settings)
    try:
        killed_worker(env)
        broker_outage(server, env)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
