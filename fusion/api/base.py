"""Base views: audit attribution after DRF authenticates, and Idempotency-Key on every POST."""

from contextlib import ExitStack
from typing import Any

from django.db import transaction
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fusion import audit, idempotency, identity
from fusion.api.errors import exception_handler
from fusion.api.parsers import NUL_MESSAGE
from fusion.api.query_flags import refuse_flag
from fusion.api.schema import FusionAutoSchema
from fusion.errors import DomainError, Invalid

MAX_IDEMPOTENCY_KEY = 255


def _refuse_nul(request: Request, kwargs: dict[str, Any]) -> None:
    """No PostgreSQL text holds a NUL character (bodies are checked by the parsers): an id in
    the path holding one names nothing (404), a query parameter holding one is a 400."""
    if any("\x00" in str(value) for value in kwargs.values()):
        raise NotFound()
    for name, values in request.query_params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            field = name.replace("\x00", "") or "query"
            raise Invalid("Text may not contain NUL characters.", errors={field: [NUL_MESSAGE]})


class FusionViewMixin:
    """Mixed into every API view of Fusion.

    DRF authenticates inside the view, after Django's middleware ran, so the audit actor is
    bound here. A POST with an Idempotency-Key is answered from the stored first response when
    it is a retry; otherwise its successful response is stored with its effects.
    """

    schema = FusionAutoSchema()
    # Whether the view previews a write with `?dry_run=true`; elsewhere the flag is a 400 on
    # a write, never ignored (a client expecting a preview would have the change made).
    takes_dry_run = False

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as stack:
            self._exit_stack = stack
            self._idempotency: tuple[str, str] | None = None
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_permissions(self) -> list[BasePermission]:
        # Service accounts' scopes are checked on every view, whatever else it declares.
        return [*super().get_permissions(), identity.scope_permission()()]  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        _refuse_nul(request, kwargs)
        if not self.takes_dry_run and request.method not in SAFE_METHODS:
            refuse_flag(request, "dry_run", "This route has no dry run: the request was not made.")
        self._exit_stack.enter_context(audit.acting(request.user))
        self._exit_stack.enter_context(identity.request_credential(request))
        key = request.headers.get(idempotency.HEADER)
        # Keys are per user: an anonymous POST (a complaint) is not replayed.
        if request.method == "POST" and key is not None and request.user is not None:
            self._begin_idempotent(request, key.strip())

    def _begin_idempotent(self, request: Request, key: str) -> None:
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise Invalid(
                "Idempotency-Key must be 1 to 255 characters.",
                errors={idempotency.HEADER: ["1 to 255 characters."]},
            )
        fingerprint = idempotency.request_hash(
            request.method, request.get_full_path(), request.body
        )
        replay = idempotency.lookup(user=request.user, key=key, fingerprint=fingerprint)
        if replay is not None:
            raise ReplayResponse(replay)
        self._idempotency = (key, fingerprint)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ReplayResponse):
            response = Response(exc.replay.body, status=exc.replay.status_code)
            for header, value in exc.replay.headers.items():
                response[header] = value
            response[idempotency.REPLAYED_HEADER] = "true"
            return response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if self._idempotency and 200 <= response.status_code < 300:
            key, fingerprint = self._idempotency
            try:
                idempotency.remember(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method,
                    path=request.path,
                    response=response,
                )
            except DomainError as exc:
                transaction.set_rollback(True)
                response = exception_handler(exc, {"view": self, "request": request})
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class ReplayResponse(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, replay: idempotency.Replay) -> None:
        self.replay = replay


class FusionAPIView(FusionViewMixin, APIView):
    """Base of plain API views."""


class FusionGenericViewSet(FusionViewMixin, viewsets.GenericViewSet):
    """Base of viewsets."""
