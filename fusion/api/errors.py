"""One exception handler: every error is `{"detail": ..., "errors": {field: [messages]}}`."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from fusion import audit
from fusion.errors import DomainError

NOT_FOUND = "Not found."


def _as_errors(detail: Any) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map domain errors and DRF errors to the contract's error shape (and roll back)."""
    if isinstance(exc, DomainError):
        set_rollback()
        if exc.status_code == status.HTTP_403_FORBIDDEN:
            _log_refused(context, exc.detail)
        body: dict[str, Any] = {"detail": exc.detail}
        if exc.errors:
            body["errors"] = exc.errors
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response({"detail": "Request body too large."}, status=413)
    if isinstance(exc, (Http404, exceptions.NotFound)):
        set_rollback()
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.ParseError):
        set_rollback()
        return Response(
            {"detail": "Malformed request body.", "errors": {"body": [str(exc.detail)]}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": _as_errors(exc.detail)}
    elif isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        response.data = {"detail": str(getattr(exc, "detail", "")) or "Not allowed."}
        _log_refused(context, response.data["detail"])
    return response


def _log_refused(context: dict, reason: str) -> None:
    """A signed-in caller was refused (403): kept in the audit trail although the request's
    transaction rolls back. Anonymous callers (401) are not: anyone could fill the
    append-only trail with them."""
    request = context.get("request")
    user = audit.unwrapped(getattr(request, "user", None))
    if request is None or not getattr(user, "is_authenticated", False):
        return
    audit.log_refusal(
        event="access.refused",
        model=type(user),
        object_pk=str(user.pk),
        object_repr=f"{request.method} {request.path}",
        outcome="failure",
        details={"method": request.method, "path": request.path, "reason": str(reason)},
        actor=user,
    )


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": NOT_FOUND}, status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)


def json_403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not allowed."}, status=403)


def json_400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad request."}, status=400)
