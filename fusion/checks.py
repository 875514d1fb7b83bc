"""System checks that refuse unsafe production settings.

`manage.py check --deploy` runs the deployment checks (DEBUG, weak or placeholder keys,
cookies without Secure, no HSTS, no second factor required, a database, broker or cache
reached without TLS off this host): each is an error, so a release that runs it fails. A
cache of each process's own (throttle counters per process) is a warning: right for one server
process only. The checks that hold everywhere (the API's default permission and
authentication classes, one key used for both encryption and the blind index) run on every
`manage.py` command and test run.
A deliberate exception is silenced by id in SILENCED_SYSTEM_CHECKS, where it is reviewed.
"""

import base64
import binascii
import ipaddress
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core import checks

Errors = list[checks.CheckMessage]
ALLOW_ANY = "rest_framework.permissions.AllowAny"
BASIC_AUTH = "rest_framework.authentication.BasicAuthentication"
# DRF's own defaults, in force when REST_FRAMEWORK leaves a key out.
DRF_DEFAULTS = {
    "DEFAULT_PERMISSION_CLASSES": [ALLOW_ANY],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        BASIC_AUTH,
    ],
}
# Marks of the debug fallbacks in config/settings.py and the placeholders of .env.example.
PLACEHOLDERS = ("dev-only", "change-me", "replace", "not-for-production", "django-insecure")
TLS_SSLMODES = {"require", "verify-ca", "verify-full"}
TLS_BROKER_SCHEMES = {"rediss", "amqps"}
# Caches that live in one process: throttle counters kept there do not hold across processes.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def _error(code: int, msg: str, hint: str) -> checks.Error:
    return checks.Error(msg, hint=hint, id=f"fusion.E{code:03d}")


def _placeholder(value: str) -> bool:
    return any(mark in value.lower() for mark in PLACEHOLDERS)


def _decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        return None


def _weak_key(raw: bytes | None, size: int) -> bool:
    """Not `size` random bytes: undecodable, short, or text (a password, or a placeholder;
    32 random bytes are all printable with a chance of about 1 in 10^14)."""
    if raw is None or len(raw) < size:
        return True
    return all(32 <= b < 127 for b in raw)


def field_keys(spec: str) -> list[bytes | None]:
    """The decoded keys of FIELD_ENCRYPTION_KEYS (None where one is malformed)."""
    keys: list[bytes | None] = []
    for item in filter(None, (part.strip() for part in (spec or "").split(","))):
        _, sep, encoded = item.partition(":")
        keys.append(_decode(encoded) if sep else None)
    return keys


def _is_local(host: str | None) -> bool:
    """A Unix socket or this host's loopback."""
    name = (host or "").strip("[]")
    if not name or name.startswith("/") or name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_debug(**kwargs: Any) -> Errors:
    if settings.DEBUG:
        return [_error(1, "DEBUG is on.", "Set DJANGO_DEBUG=0: debug pages show code and data.")]
    return []


def check_secret_key(**kwargs: Any) -> Errors:
    key = getattr(settings, "SECRET_KEY", "") or ""
    if len(key) < 50 or len(set(key)) < 5 or _placeholder(key):
        return [
            _error(
                2,
                "DJANGO_SECRET_KEY is missing, short or a placeholder.",
                "Set it to at least 50 random characters.",
            )
        ]
    return []


def check_field_keys(**kwargs: Any) -> Errors:
    keys = field_keys(getattr(settings, "FIELD_ENCRYPTION_KEYS", ""))
    if not keys or any(_weak_key(key, 32) for key in keys):
        return [
            _error(
                3,
                "FIELD_ENCRYPTION_KEYS is missing, malformed or holds a key that is not 32 "
                "random bytes.",
                "kid:base64(os.urandom(32)), comma-separated; see .env.example.",
            )
        ]
    return []


def check_blind_index_key(**kwargs: Any) -> Errors:
    if _weak_key(_decode(getattr(settings, "BLIND_INDEX_KEY", "") or ""), 32):
        return [
            _error(
                4,
                "BLIND_INDEX_KEY is missing, short or not random bytes.",
                "base64(os.urandom(32)); see .env.example.",
            )
        ]
    return []


def check_keys_distinct(**kwargs: Any) -> Errors:
    blind = _decode(getattr(settings, "BLIND_INDEX_KEY", "") or "")
    if blind and blind in field_keys(getattr(settings, "FIELD_ENCRYPTION_KEYS", "")):
        return [
            _error(
                5,
                "BLIND_INDEX_KEY equals a key of FIELD_ENCRYPTION_KEYS.",
                "Use separate keys: one leaked key must not open both the fields and the index.",
            )
        ]
    return []


def check_cookies(**kwargs: Any) -> Errors:
    errors = []
    if not settings.SESSION_COOKIE_SECURE:
        errors.append(
            _error(6, "SESSION_COOKIE_SECURE is off.", "Unset DJANGO_SESSION_COOKIE_SECURE.")
        )
    if not settings.CSRF_COOKIE_SECURE:
        errors.append(_error(7, "CSRF_COOKIE_SECURE is off.", "Unset DJANGO_CSRF_COOKIE_SECURE."))
    return errors


def check_hsts(**kwargs: Any) -> Errors:
    if not settings.SECURE_HSTS_SECONDS:
        return [_error(8, "HSTS is off.", "Set DJANGO_HSTS_SECONDS (default one year).")]
    return []


def check_second_factor(**kwargs: Any) -> Errors:
    if not getattr(settings, "FUSION_REQUIRE_2FA", False):
        return [
            _error(
                9,
                "A second factor is not required (FUSION_REQUIRE_2FA is off).",
                "Turn FUSION_REQUIRE_2FA on in production.",
            )
        ]
    return []


def _rest_setting(name: str) -> list[str]:
    return list(getattr(settings, "REST_FRAMEWORK", {}).get(name, DRF_DEFAULTS[name]))


def check_api_permissions(**kwargs: Any) -> Errors:
    classes = _rest_setting("DEFAULT_PERMISSION_CLASSES")
    if not classes or ALLOW_ANY in classes:
        return [
            _error(
                10,
                "The API's default permission lets anyone in (AllowAny or none).",
                "DEFAULT_PERMISSION_CLASSES: agencies.api.permissions.IsActiveUser.",
            )
        ]
    return []


def check_basic_auth(**kwargs: Any) -> Errors:
    if BASIC_AUTH in _rest_setting("DEFAULT_AUTHENTICATION_CLASSES"):
        return [
            _error(
                11,
                "HTTP Basic authentication is enabled on the API.",
                "It sends the password with every request and bypasses the login lockout and "
                "second factor; use tokens.",
            )
        ]
    return []


def check_database_tls(**kwargs: Any) -> Errors:
    errors = []
    for alias, db in settings.DATABASES.items():
        remote = "postgresql" in db.get("ENGINE", "") and not _is_local(db.get("HOST"))
        if remote and db.get("OPTIONS", {}).get("sslmode") not in TLS_SSLMODES:
            errors.append(
                _error(
                    12,
                    f"Database {alias!r} is reached on {db.get('HOST')} without TLS.",
                    "Add ?sslmode=verify-full (or require) to DATABASE_URL.",
                )
            )
    return errors


def check_broker_tls(**kwargs: Any) -> Errors:
    url = urlsplit(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if not url.scheme or url.scheme in TLS_BROKER_SCHEMES or _is_local(url.hostname):
        return []
    if "ssl_cert_reqs" in parse_qs(url.query) or getattr(settings, "CELERY_BROKER_USE_SSL", None):
        return []
    return [
        _error(
            13,
            f"The Celery broker is reached on {url.hostname} without TLS.",
            "Use rediss:// or amqps:// in CELERY_BROKER_URL.",
        )
    ]


def check_shared_cache(**kwargs: Any) -> Errors:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        return [
            checks.Warning(
                "The cache is each process's own: throttle limits hold per server process, "
                "not across them.",
                hint="Set CACHE_URL to a Redis database every API process shares "
                "(docs/deploy.md), unless one process serves the API.",
                id="fusion.W014",
            )
        ]
    return []


def check_cache_tls(**kwargs: Any) -> Errors:
    errors = []
    for alias, cache in settings.CACHES.items():
        locations = cache.get("LOCATION") or []
        for location in [locations] if isinstance(locations, str) else locations:
            url = urlsplit(location)
            if url.scheme == "redis" and not _is_local(url.hostname):
                errors.append(
                    _error(
                        15,
                        f"Cache {alias!r} is reached on {url.hostname} without TLS.",
                        "Use rediss:// in CACHE_URL.",
                    )
                )
    return errors


ALWAYS: tuple[Callable[..., Errors], ...] = (
    check_keys_distinct,
    check_api_permissions,
    check_basic_auth,
)
DEPLOY: tuple[Callable[..., Errors], ...] = (
    check_debug,
    check_secret_key,
    check_field_keys,
    check_blind_index_key,
    check_cookies,
    check_hsts,
    check_second_factor,
    check_database_tls,
    check_broker_tls,
    check_shared_cache,
    check_cache_tls,
)


def register(always: Iterable = ALWAYS, deploy: Iterable = DEPLOY) -> None:
    """Register the checks with Django (from FusionConfig.ready)."""
    for check in always:
        checks.register(check, checks.Tags.security)
    for check in deploy:
        checks.register(check, checks.Tags.security, deploy=True)
