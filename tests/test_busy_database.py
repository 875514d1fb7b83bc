"""On the embedded default (SQLite) a request that waited out the lock timeout answers 503
with Retry-After in the error shape, not a 500 page: the lock is taken as the request's
transaction begins, before any view, so the middleware answers it."""

import json
import sqlite3

from django.db import OperationalError
from django.test import RequestFactory

from fusion.middleware import RequestContextMiddleware


def locked_error(path: str) -> OperationalError:
    """The error SQLite raises when another connection holds the write lock past the wait."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return OperationalError(*exc.args)
    finally:
        waiter.close()
        holder.close()
    raise AssertionError("the second writer was not refused")


def middleware() -> RequestContextMiddleware:
    return RequestContextMiddleware(lambda request: None)


def test_a_locked_database_is_a_503_to_retry(tmp_path):
    error = locked_error(str(tmp_path / "busy.sqlite3"))
    request = RequestFactory().get("/api/v1/incidents/")
    response = middleware().process_exception(request, error)
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "retry" in json.loads(response.content)["detail"]


def test_other_database_errors_are_left_to_the_server_error_handler():
    request = RequestFactory().get("/api/v1/incidents/")
    assert middleware().process_exception(request, OperationalError("disk I/O error")) is None
