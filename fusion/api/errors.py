"""One exception handler: every error is `{"detail": ..., "errors": {field: [messages]}}`."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

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
    return response


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": NOT_FOUND}, status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)


def json_403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not allowed."}, status=403)


def json_400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad request."}, status=400)
