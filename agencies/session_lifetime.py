"""Absolute lifetime of a login session (the admin's): however active, a session ends
FUSION_SESSION_MAX_AGE after its login. The idle limit is Django's own (SESSION_COOKIE_AGE,
renewed on every request by SESSION_SAVE_EVERY_REQUEST); an idle limit alone would let a stolen
session cookie live for ever as long as it is used."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LOGIN_AT = "fusion_login_at"


def remember_login_time(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: stamp a session login (API token logins have no session)."""
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        session[LOGIN_AT] = timezone.now().timestamp()


def _expired(session: Any) -> bool:
    started = session.get(LOGIN_AT)
    if started is None:  # logged in before lifetimes were kept: its age is unknown
        return True
    age = timezone.now().timestamp() - float(started)
    return age > settings.FUSION_SESSION_MAX_AGE.total_seconds()


class SessionLifetimeMiddleware:
    """Log out a session past its absolute lifetime (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session and _expired(session):
            logout(request)
        return self.get_response(request)
