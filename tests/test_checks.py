"""Unsafe production settings fail `manage.py check --deploy` (fusion.checks), and a server
error answers JSON without a traceback."""

import base64
import os

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

# The checks read DATABASES only; no connection is made from the overridden value.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
# config/settings.py's fallback in debug: 32 bytes of text.
DEBUG_FIELD_KEY = "dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def production(settings):
    """A clean production-like configuration: every fusion check passes."""
    settings.DEBUG = False
    settings.SECRET_KEY = base64.urlsafe_b64encode(os.urandom(48)).decode()
    settings.FIELD_ENCRYPTION_KEYS = f"k2:{key()},k1:{key()}"
    settings.BLIND_INDEX_KEY = key()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.FUSION_REQUIRE_2FA = True
    db = dict(settings.DATABASES["default"], HOST="db.internal")
    db["OPTIONS"] = {**db.get("OPTIONS", {}), "sslmode": "verify-full"}
    settings.DATABASES = {"default": db}
    settings.CELERY_BROKER_URL = "rediss://broker.internal:6380/0?ssl_cert_reqs=required"
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": "rediss://cache.internal/1"}}
    return settings


def fusion_errors(*, deploy: bool = True) -> set[str]:
    found = run_checks(include_deployment_checks=deploy)
    return {m.id for m in found if m.id and m.id.startswith("fusion.")}


def test_a_clean_production_configuration_passes_check_deploy(production):
    # when: Django's own deploy warnings may remain; no error does
    call_command("check", "--deploy", "--fail-level", "ERROR")
    # then
    assert fusion_errors() == set()


@pytest.mark.parametrize(
    ("unsafe", "code"),
    [
        ({"DEBUG": True}, "fusion.E001"),
        ({"SECRET_KEY": "dev-only-insecure-secret-key-not-for-production"}, "fusion.E002"),
        ({"SECRET_KEY": "x" * 60}, "fusion.E002"),
        (
            {"FIELD_ENCRYPTION_KEYS": "dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="},
            "fusion.E003",
        ),
        ({"FIELD_ENCRYPTION_KEYS": "k1:REPLACE_WITH_32_RANDOM_BYTES_BASE64="}, "fusion.E003"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "fusion.E003"),
        ({"BLIND_INDEX_KEY": "c2hvcnQ="}, "fusion.E004"),
        ({"SESSION_COOKIE_SECURE": False}, "fusion.E006"),
        ({"CSRF_COOKIE_SECURE": False}, "fusion.E007"),
        ({"SECURE_HSTS_SECONDS": 0}, "fusion.E008"),
        ({"FUSION_REQUIRE_2FA": False}, "fusion.E009"),
        ({"CELERY_BROKER_URL": "redis://broker.internal:6379/0"}, "fusion.E013"),
        ({"CELERY_BROKER_URL": "amqp://fusion:pw@10.0.0.7:5672//"}, "fusion.E013"),
    ],
)
def test_an_unsafe_production_setting_fails_check_deploy(production, unsafe, code):
    # given
    for name, value in unsafe.items():
        setattr(production, name, value)
    # when
    found = fusion_errors()
    # then
    assert found == {code}
    with pytest.raises(SystemCheckError, match=code):
        call_command("check", "--deploy")


@pytest.mark.parametrize(
    ("host", "sslmode", "failing"),
    [
        ("db.internal", None, True),
        ("10.0.0.5", "prefer", True),
        ("db.internal", "require", False),
        ("127.0.0.1", None, False),
        ("", None, False),
        ("/var/run/postgresql", None, False),
    ],
)
def test_a_remote_database_without_tls_fails_check_deploy(production, host, sslmode, failing):
    # given
    db = dict(production.DATABASES["default"], HOST=host, OPTIONS={})
    if sslmode:
        db["OPTIONS"] = {"sslmode": sslmode}
    production.DATABASES = {"default": db}
    # when
    found = fusion_errors()
    # then
    assert found == ({"fusion.E012"} if failing else set())


def test_local_and_tls_brokers_pass(production):
    for url in ("redis://127.0.0.1:6379/0", "redis://localhost/1", "amqps://mq.internal//", ""):
        production.CELERY_BROKER_URL = url
        assert fusion_errors() == set(), url


@pytest.mark.parametrize(
    ("cache", "code"),
    [
        ({"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "fusion.W014"),
        ({"BACKEND": "django.core.cache.backends.dummy.DummyCache"}, "fusion.W014"),
        ({"BACKEND": REDIS_CACHE, "LOCATION": "redis://cache.internal:6379/1"}, "fusion.E015"),
        ({"BACKEND": REDIS_CACHE, "LOCATION": ["redis://10.0.0.8/1"]}, "fusion.E015"),
        ({"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:6379/1"}, None),
        ({"BACKEND": REDIS_CACHE, "LOCATION": "unix:///run/redis.sock?db=1"}, None),
    ],
)
def test_a_cache_of_each_process_or_off_host_without_tls_is_reported(production, cache, code):
    """Throttle counters in a per-process cache do not hold across server processes (a
    warning: one process is a valid deployment); a remote cache without TLS is an error."""
    # given
    production.CACHES = {"default": cache}
    # when
    found = fusion_errors()
    # then
    assert found == ({code} if code else set())


def test_the_per_process_cache_warning_does_not_fail_a_release_at_error_level(production):
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("check", "--deploy", "--fail-level", "ERROR")
    with pytest.raises(SystemCheckError, match=r"fusion\.W014"):
        call_command("check", "--deploy", "--fail-level", "WARNING")


@pytest.mark.parametrize(
    ("unsafe", "code"),
    [
        ({"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}, "fusion.E010"),
        ({"DEFAULT_PERMISSION_CLASSES": []}, "fusion.E010"),
        (
            {
                "DEFAULT_AUTHENTICATION_CLASSES": [
                    "knox.auth.TokenAuthentication",
                    "rest_framework.authentication.BasicAuthentication",
                ]
            },
            "fusion.E011",
        ),
    ],
)
def test_an_open_api_default_fails_every_check_run(settings, unsafe, code):
    # given
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **unsafe}
    # when: without --deploy, as the test run's `manage.py check`
    found = fusion_errors(deploy=False)
    # then
    assert code in found


def test_one_key_for_fields_and_blind_index_fails_every_check_run(settings):
    # given
    shared = key()
    settings.FIELD_ENCRYPTION_KEYS = f"k1:{shared}"
    settings.BLIND_INDEX_KEY = shared
    # when
    found = fusion_errors(deploy=False)
    # then
    assert found == {"fusion.E005"}


def test_the_test_settings_pass_the_checks_that_always_run():
    # then: `make test` runs `manage.py check --fail-level WARNING` without --deploy
    assert fusion_errors(deploy=False) == set()


class Broken(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> None:
        raise RuntimeError("secret detail of the failure")


urlpatterns = [path("broken/", Broken.as_view())]
handler500 = "fusion.api.errors.json_500"


@pytest.mark.urls("tests.test_checks")
def test_a_server_error_answers_json_without_a_traceback(settings):
    # given
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    # when
    response = client.get("/broken/")
    # then
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Internal server error."}
    assert b"Traceback" not in response.content
    assert b"secret detail" not in response.content
