"""The shared cache (CACHE_URL, Redis) behind the throttles: readiness reports it, and when it
cannot be reached requests are served without throttling rather than refused with 500s."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from fusion.api.throttling import UserRateThrottle
from tests.worker import own_redis_url

pytestmark = pytest.mark.django_db

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
SHARED = own_redis_url("shared_cache")  # each test process its own
THREADS = 16
UNREACHABLE = {
    "BACKEND": REDIS_CACHE,
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


def test_an_unreachable_cache_lets_requests_through_and_is_logged(
    settings, world, client_for, client, caplog
):
    # given: Redis down under the throttle counters
    settings.CACHES = {"default": UNREACHABLE}
    # when
    with caplog.at_level(logging.WARNING, logger="fusion.api.throttling"):
        read = client_for(world.police_analyst).get("/api/v1/agencies/")
        login = client.post(
            "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, "application/json"
        )
    # then: served, and said so in the log
    assert read.status_code == 200
    assert login.status_code == 401
    assert "the cache is unreachable" in caplog.text


def test_readyz_reports_an_unreachable_shared_cache(client, settings):
    settings.CACHES = {"default": UNREACHABLE}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] is False


def test_readyz_reaches_a_real_redis_cache(client, settings):
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": SHARED}}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"] is True


def test_readyz_has_no_cache_to_reach_in_one_process(client):
    assert client.get("/readyz").json()["checks"]["cache"] is None


def test_concurrent_checks_of_one_caller_never_let_more_than_the_limit_through(settings):
    """Many requests of one caller in flight at once, each checked in its own thread against
    the shared Redis cache, as in several server processes: exactly the limit passes (DRF
    alone reads and writes the caller's history unlocked, and forgets concurrent requests)."""
    # given
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": SHARED}}
    redis.Redis.from_url(SHARED).flushdb()

    class TenAMinute(UserRateThrottle):
        rate = "10/min"

    start = threading.Barrier(THREADS)

    def caller_requests() -> list[bool]:
        start.wait()
        request = Request(APIRequestFactory().get("/", REMOTE_ADDR="10.1.2.3"))
        return [TenAMinute().allow_request(request, None) for _ in range(5)]

    # when
    with ThreadPoolExecutor(THREADS) as pool:
        answers = [
            a for each in pool.map(lambda _: caller_requests(), range(THREADS)) for a in each
        ]
    # then
    assert answers.count(True) == 10


def test_a_check_that_cannot_get_its_callers_lock_in_time_is_refused(settings, world, client_for):
    # given: a check of this user in flight on another process that does not end
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": SHARED}}
    redis.Redis.from_url(SHARED).flushdb()
    cache.add(f"throttle_lock_user_{world.police_analyst.pk}", 1, 10)
    # when
    response = client_for(world.police_analyst).get("/api/v1/agencies/")
    # then: refused as over the limit, to be retried shortly
    assert response.status_code == 429
    assert response["Retry-After"] == "2"
