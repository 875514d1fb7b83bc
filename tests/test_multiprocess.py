"""Two real API server processes (gunicorn, as production runs them) on one PostgreSQL
database and one Redis cache answer as one service: a throttle counts the requests of both,
and an Idempotency-Key retried on the other process replays the first answer. And a server
cut off from its database is alive (healthz) but not ready (readyz), as a load balancer and
an orchestrator need to see it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from fusion.models import AuditEntry
from incidents.models import Incident
from tests import factories
from tests.processes import API_CACHE_URL, Server, api_servers, database_url

# The servers see committed rows only.
shared_database = pytest.mark.django_db(transaction=True)

USER_RATE = 6  # per minute, per user (FUSION_THROTTLE_USER)
AUTH_RATE = 3  # per minute, per address (FUSION_THROTTLE_AUTH)
RATES = {"FUSION_THROTTLE_USER": f"{USER_RATE}/min", "FUSION_THROTTLE_AUTH": f"{AUTH_RATE}/min"}


@pytest.fixture
def servers(transactional_db: None, tmp_path: Path) -> Iterator[list[Server]]:
    """Two servers sharing the test database and a Redis cache database of their own (emptied
    first)."""
    redis.Redis.from_url(API_CACHE_URL).flushdb()
    with api_servers(("a", "b"), tmp_path, **RATES) as started:
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
    missing = database_url().rsplit("/", 1)[0] + "/fusion_no_such_database"
    with api_servers(("lost",), tmp_path, DATABASE_URL=missing) as (server,):
        # when
        alive = server.request("GET", "/healthz")
        ready = server.request("GET", "/readyz")
    # then: not restarted for an outage a restart cannot cure; taken out of rotation
    assert alive.status == 200
    assert ready.status == 503
    assert ready.body["checks"]["database"] is False
