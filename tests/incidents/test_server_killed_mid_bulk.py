"""A server killed in the middle of a bulk write: nothing half-written, and the client's retry
with its Idempotency-Key writes the batch once.

The server is a real gunicorn process on the test database. The batch is held mid-transaction
(its incidents written, the idempotency record waiting on a lock another session holds), then
the whole server is killed with SIGKILL, as a lost machine would be."""

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from incidents.models import Incident
from tests import factories
from tests.processes import Server, api_servers, database_url, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
N = 300


@contextmanager
def server(logs: Path, name: str) -> Iterator[Server]:
    with api_servers((name,), logs) as (up,):
        yield up


def waiting_on_a_lock(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE '%%idempotencyrecord%%'"
        ).fetchone()
    return row[0] > 0


def open_transactions(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as probe:
        return probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        ).fetchone()[0]


def test_a_server_killed_mid_bulk_writes_nothing_and_the_retry_writes_once(world, tmp_path):
    dsn = database_url().replace("postgres://", "postgresql://")
    token = factories.token(world.police_submitter)
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "bulk-killed-1"}
    batch = {"incidents": [factories.payload(external_ref=f"KILL-{i}") for i in range(N)]}
    answers: list[object] = []

    with psycopg.connect(dsn) as holder, server(tmp_path, "first") as first:
        # given: the batch written but not committed, held before its idempotency record
        holder.execute("LOCK TABLE fusion_idempotencyrecord IN EXCLUSIVE MODE")

        def post() -> None:
            try:
                answers.append(first.request("POST", "/api/v1/incidents/bulk/", batch, headers))
            except OSError as exc:  # the server went away mid-request
                answers.append(exc)

        client = threading.Thread(target=post)
        client.start()
        assert wait_until(lambda: waiting_on_a_lock(dsn), 30), first.log.read_text()[-2000:]
        # when: the whole server is killed
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        client.join(30)
        holder.rollback()
    # then: the client got no answer, and the batch's transaction rolled back
    assert len(answers) == 1
    assert isinstance(answers[0], OSError)
    assert wait_until(lambda: open_transactions(dsn) == 0, 30)
    assert not Incident.objects.filter(external_ref__startswith="KILL-").exists()

    # when: the client retries the same request on a server that is up
    with server(tmp_path, "second") as second:
        retry = second.request("POST", "/api/v1/incidents/bulk/", batch, headers)
        again = second.request("POST", "/api/v1/incidents/bulk/", batch, headers)
    # then: the batch is written once, whole, and a second retry replays the answer
    assert retry.status == 200, retry.body
    assert retry.body["created"] == N
    assert again.status == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.body == retry.body
    written = Incident.objects.filter(external_ref__startswith="KILL-")
    assert written.count() == N
    assert set(written.values_list("version", flat=True)) == {1}
