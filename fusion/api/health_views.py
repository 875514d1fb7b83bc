"""Liveness and readiness probes (no auth).

Neither runs in a request transaction (ATOMIC_REQUESTS): opening one needs the database, and
the liveness probe must answer while the database is down, or an orchestrator would restart
every API process for an outage a restart cannot cure.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection

from fusion.checks import PER_PROCESS_CACHES


@transaction.non_atomic_requests
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool | None:
    if not settings.CELERY_BROKER_URL:
        return None  # tasks run in-process: nothing to reach
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _cache_ok() -> bool | None:
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return None  # each process's own memory: nothing to reach
    try:
        cache.get("readyz")
        return True
    except Exception:
        return False


@transaction.non_atomic_requests
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database (and the broker and shared cache, when configured) answer."""
    checks = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    ready = all(value is not False for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)
