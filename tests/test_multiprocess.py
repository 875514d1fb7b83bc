"""Two real API server processes (gunicorn, as production runs them) on one PostgreSQL
database and one Redis cache answer as one service: a throttle counts the requests of both,
and an Idempotency-Key retried on the other process replays the first answer. And a server
cut off from its database is alive (healthz) but not ready (readyz), as a load balancer and
an orchestrator need to see it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.db import connection

from fusion.models import AuditEntry
from incidents.models import Incident
from tests import factories

# The servers see committed rows only.
shared_database = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
CACHE_URL = "redis://127.0.0.1:6379/12"
USER_RATE = 6  # per minute, per user (FUSION_THROTTLE_USER)
AUTH_RATE = 3  # per minute, per address (FUSION_THROTTLE_AUTH)
KEPT_ENV = ("PATH", "HOME", "LANG", "DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def request(
        self, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(self.url + path, data, sent, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Answer(response.status, dict(response.headers), json.load(response))
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), json.loads(error.read() or b"null"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def _environment(port: int) -> dict[str, str]:
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    return env | {
        "DATABASE_URL": _database_url(connection.settings_dict["NAME"]),
        "DJANGO_DEBUG": "0",
        "CACHE_URL": CACHE_URL,
        "FUSION_THROTTLE_USER": f"{USER_RATE}/min",
        "FUSION_THROTTLE_AUTH": f"{AUTH_RATE}/min",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "",
    }


def _wait_until_up(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if server.request("GET", "/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{server.url} did not start:\n{server.log.read_text()[-3000:]}")


@contextmanager
def _running(names: tuple[str, ...], logs: Path, **env: str) -> Iterator[list[Server]]:
    """Gunicorn servers of one worker each on free ports, up (healthz answers) on entry and
    stopped (SIGTERM, as on a deploy) on exit."""
    started = []
    for name in names:
        port = _free_port()
        log = logs / f"server-{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT, env=_environment(port) | env, stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(Server(f"http://127.0.0.1:{port}", process, log))
    try:
        deadline = time.monotonic() + 60
        for server in started:
            _wait_until_up(server, deadline)
        yield started
    finally:
        for server in started:
            server.process.send_signal(signal.SIGTERM)
        for server in started:
            server.process.wait(timeout=30)


@pytest.fixture
def servers(transactional_db: None, tmp_path: Path) -> Iterator[list[Server]]:
    """Two servers sharing the test database and a Redis cache database of their own (emptied
    first)."""
    redis.Redis.from_url(CACHE_URL).flushdb()
    with _running(("a", "b"), tmp_path) as started:
        yield started


@shared_database
def test_throttles_count_the_requests_of_both_processes_together(servers, world):
    """The per-user limit of the API and the per-address limit of logins. Each login names
    another username, so the per-username lockout (in the database) stays out of it: what
    refuses the last try is the address's throttle alone."""
    # given: a user's allowance and an address's login allowance, each spent on both processes
    auth = {"Authorization": f"Token {factories.token(world.police_analyst)}"}
    reads = [servers[i % 2].request("GET", "/api/v1/agencies/", headers=auth).status
             for i in range(USER_RATE)]  # fmt: skip
    login = [
        servers[i % 2]
        .request(
            "POST", "/api/v1/auth/token/", {"username": f"nobody{i}", "password": "wrong-guess"}
        )
        .status
        for i in range(AUTH_RATE)
    ]
    # when: one request more, on either process
    over = [server.request("GET", "/api/v1/agencies/", headers=auth) for server in servers]
    one_login_more = servers[AUTH_RATE % 2].request(
        "POST", "/api/v1/auth/token/", {"username": "nobody-else", "password": "wrong-guess"}
    )
    # then
    assert reads == [200] * USER_RATE
    assert [answer.status for answer in over] == [429, 429]
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in over)
    assert login == [401] * AUTH_RATE
    assert one_login_more.status == 429


@shared_database
def test_an_idempotent_retry_on_the_other_process_replays_the_first_answer(servers, world):
    # given: a create on process a
    auth = {"Authorization": f"Token {factories.token(world.police_submitter)}"}
    headers = {**auth, "Idempotency-Key": "multi-process-1"}
    body = factories.payload(external_ref="MULTI-1")
    first = servers[0].request("POST", "/api/v1/incidents/", body, headers)
    audit_after_first = AuditEntry.objects.count()
    # when: the client's retry reaches process b
    retry = servers[1].request("POST", "/api/v1/incidents/", body, headers)
    # then
    assert first.status == retry.status == 201, (first.body, retry.body)
    assert retry.body == first.body
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert Incident.objects.get().version == 1
    assert AuditEntry.objects.count() == audit_after_first


def test_a_server_cut_off_from_its_database_is_alive_but_not_ready(tmp_path):
    # given: a server whose database does not exist (as one that is down or unreachable)
    missing = _database_url("fusion_no_such_database")
    with _running(("lost",), tmp_path, DATABASE_URL=missing) as (server,):
        # when
        alive = server.request("GET", "/healthz")
        ready = server.request("GET", "/readyz")
    # then: not restarted for an outage a restart cannot cure; taken out of rotation
    assert alive.status == 200
    assert ready.status == 503
    assert ready.body["checks"]["database"] is False
