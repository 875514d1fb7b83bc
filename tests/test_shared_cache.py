"""The shared cache (CACHE_URL, Redis) behind the throttles: readiness reports it, and when it
cannot be reached requests are served without throttling rather than refused with 500s."""

import logging

import pytest

pytestmark = pytest.mark.django_db

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
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
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:6379/12"}}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"] is True


def test_readyz_has_no_cache_to_reach_in_one_process(client):
    assert client.get("/readyz").json()["checks"]["cache"] is None
