"""Request middleware: a server-generated correlation id, a trustworthy client address, and
refusals kept in the audit trail when the request's transaction rolls back, written once the
response has been sent (fusion.after_response); a busy embedded database is a 503 to retry."""

import ipaddress
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from fusion import after_response, request_context

CORRELATION_HEADER = "X-Correlation-ID"


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the nearest untrusted X-Forwarded-For hop when the peer is a trusted proxy.

    A client can write anything into X-Forwarded-For, so it is read only when the direct peer
    is one of FUSION_TRUSTED_PROXIES, and then from the right (closest hop) leftwards.
    """
    peer = request.META.get("REMOTE_ADDR") or None
    trusted = set(settings.FUSION_TRUSTED_PROXIES)
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if hop not in trusted:
            return hop if _is_ip(hop) else peer
    return peer


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


BUSY = "database is locked"


class RequestContextMiddleware:
    """Binds correlation id and client address for the request; echoes the id in a header.
    A request that found the database busy past its wait answers 503 with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """SQLite (the embedded default) waited out its timeout for another write's lock: a
        transient state the caller retries, not a server error (nothing was written)."""
        if isinstance(exception, OperationalError) and BUSY in str(exception):
            return JsonResponse(
                {"detail": "The database is busy with other writes; retry shortly."},
                status=503,
                headers={"Retry-After": "5"},
            )
        return None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cid = uuid.uuid4().hex
        request.correlation_id = cid
        tokens = request_context.bind(cid=cid, addr=client_address(request))
        try:
            with after_response.collecting() as jobs:
                try:
                    response = self.get_response(request)
                except BaseException:
                    after_response.hand_over(jobs)  # no response to wait for
                    raise
        finally:
            request_context.unbind(tokens)
        after_response.run_after(response, jobs)
        response[CORRELATION_HEADER] = cid
        return response
