"""The console's way to the API: a call to a v1 route made in-process, as the signed-in user's
session, answered with the view's status and data.

Every console read and write goes through the API view that serves the same route, so what a
page shows or changes is decided by the same selectors and services, logged by the same audit
entries, and refused with the same status (a page whose object the user may not see is the
API's 404). Each call runs in a savepoint: a refused write leaves nothing behind, and the page
goes on to show the error.
"""

import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

PREFIX = "/api/v1/"
# Headers of the browser's request that the API call keeps; credentials ride on the session.
_KEPT = ("HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_HOST")


@dataclass
class Answer:
    """What the API answered: status, data (parsed JSON or raw bytes) and headers."""

    status: int
    data: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def detail(self) -> str:
        return str(self.data.get("detail", "")) if isinstance(self.data, dict) else ""

    @property
    def errors(self) -> dict[str, list[str]]:
        """Field errors, each a list of messages (the contract's `errors`)."""
        if not isinstance(self.data, dict) or not isinstance(self.data.get("errors"), dict):
            return {}
        return {
            str(name): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for name, msgs in self.data["errors"].items()
        }

    def or_404(self) -> Any:
        """The data of a successful read; Http404 for a 404 (and for any other refusal, which a
        page shows as not found rather than telling apart)."""
        if not self.ok:
            raise Http404
        return self.data


def get(request: HttpRequest, path: str, params: Any = None) -> Answer:
    """GET a v1 route (`path` relative to /api/v1/) with query parameters."""
    return call(request, "GET", path, params=params)


def post(
    request: HttpRequest,
    path: str,
    data: Any = None,
    *,
    params: Any = None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> Answer:
    """POST (or PATCH, PUT, DELETE) a JSON body to a v1 route."""
    return call(request, method, path, params=params, data=data, headers=headers)


def call(
    request: HttpRequest,
    method: str,
    path: str,
    *,
    params: Any = None,
    data: Any = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """Call the API view of `path` as the request's user; never raises for an API refusal."""
    full_path = PREFIX + path.lstrip("/")
    try:
        match = resolve(full_path)
    except Resolver404:
        return Answer(404, {"detail": "Not found."})
    inner = _inner_request(request, method, full_path, params, data, headers or {})
    with transaction.atomic():
        response = match.func(inner, *match.args, **match.kwargs)
        if hasattr(response, "render") and not hasattr(response, "data"):
            response.render()
        if response.status_code >= 400:  # refused: whatever the view wrote is undone
            transaction.set_rollback(True)
        has_data = hasattr(response, "data")  # a DRF answer: its data, unrendered
        content = b"" if has_data else _body(response)
    answer_headers = dict(response.items())
    if has_data:
        return Answer(response.status_code, response.data, answer_headers)
    if answer_headers.get("Content-Type", "").startswith("application/json"):
        try:
            return Answer(response.status_code, json.loads(content or b"null"), answer_headers)
        except ValueError:
            pass
    return Answer(response.status_code, content, answer_headers)


def _body(response: HttpResponseBase) -> bytes:
    """The whole body, read inside the call's savepoint; then what the response would do
    once sent (its closers), without closing the request's database connection."""
    content = b"".join(response) if response.streaming else response.content
    for closer in response._resource_closers:
        closer()
    response._resource_closers.clear()
    return content


def _inner_request(
    request: HttpRequest,
    method: str,
    full_path: str,
    params: Any,
    data: Any,
    headers: dict[str, str],
) -> WSGIRequest:
    body = b"" if data is None else json.dumps(data).encode()
    query = urlencode(params or {}, doseq=True)
    environ = {key: value for key, value in request.META.items() if key in _KEPT}
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": full_path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": query,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": request.META.get("REMOTE_ADDR", ""),
            "SERVER_NAME": request.META.get("SERVER_NAME", "localhost"),
            "SERVER_PORT": request.META.get("SERVER_PORT", "80"),
            "wsgi.url_scheme": request.scheme,
            "wsgi.input": io.BytesIO(body),
        }
    )
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    inner = WSGIRequest(environ)
    inner.user = request.user  # type: ignore[attr-defined]
    inner.session = request.session  # type: ignore[attr-defined]
    inner.COOKIES = request.COOKIES
    # The console's form was checked against CSRF when the browser posted it.
    inner._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    return inner
