"""Who is calling, as the plumbing needs to know it: answered by agencies (the users,
memberships, tokens and service accounts), which installs its answers at start
(AgenciesConfig.ready), so the plumbing below agencies imports nothing of it.

Every answer must be installed: a missing one raises ImproperlyConfigured rather than letting
a request through unchecked or an audit entry go unattributed.
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from rest_framework.permissions import BasePermission

from fusion.hooks import Answers

NAMES = (
    "agencies_of",  # actor → {agency id: role}
    "note_acting",  # agency ids the current credential acted for → None
    "service_scopes",  # actor → a service account's scopes, or None for a person
    "request_credential",  # DRF request → context manager binding its token or session
    "scope_permission",  # the DRF permission class every view adds: service-account scopes
)
answers = Answers("identity", *NAMES)
install = answers.install
_answer = answers.get


def agencies_of(actor: Any) -> dict[int, str]:
    return _answer("agencies_of")(actor)


def note_acting(agency_ids: Iterable[int]) -> None:
    _answer("note_acting")(agency_ids)


def service_scopes(actor: Any) -> set[str] | None:
    return _answer("service_scopes")(actor)


def request_credential(request: Any) -> AbstractContextManager[None]:
    return _answer("request_credential")(request)


def scope_permission() -> type[BasePermission]:
    return _answer("scope_permission")
