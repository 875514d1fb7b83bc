"""Domain errors raised by services; one exception handler maps them to HTTP."""

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400
    default_detail = "The request cannot be carried out."

    def __init__(self, detail: str | None = None, *, errors: dict[str, Any] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.errors = errors
        super().__init__(self.detail)


class Invalid(DomainError):
    """Input breaks a domain rule; `errors` names the fields."""

    status_code = 400
    default_detail = "Invalid input."


class NotAllowed(DomainError):
    """The actor may see the object but not do this to it (403)."""

    status_code = 403
    default_detail = "You are not allowed to do this."


class NotFound(DomainError):
    """Missing, or not visible to the actor: the two are indistinguishable (404)."""

    status_code = 404
    default_detail = "Not found."


class Conflict(DomainError):
    """The request conflicts with the current state; retrying may succeed (409)."""

    status_code = 409
    default_detail = "Conflict with the current state; retry."


class PreconditionFailed(DomainError):
    """The object changed since the version the client holds (412)."""

    status_code = 412
    default_detail = "The object has changed since you read it (If-Match is stale)."


class TooMany(DomainError):
    """The actor has reached a cap on open work; retry when some of it has finished (429)."""

    status_code = 429
    default_detail = "Too many requests in progress; retry later."


class Unavailable(DomainError):
    """A part the answer needs is not working now (a document renderer, say); retry (503)."""

    status_code = 503
    default_detail = "A part of the service this needs is unavailable; retry later."
