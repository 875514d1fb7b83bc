"""The console's language, per user: English or Urdu (right to left). A signed-in user's choice
is kept on their account; before sign-in the session's (or English). The API is not
translated: its messages and field names are the contract's."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

SESSION_KEY = "django_language"
RTL = {"ur", "ar", "fa", "ps"}


def _codes() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def language_of(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in _codes():
        return user.language
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return chosen if chosen in _codes() else settings.LANGUAGE_CODE


class ConsoleLanguageMiddleware:
    """Activate the user's language for every page outside the API (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        code = language_of(request)
        with translation.override(code):
            request.LANGUAGE_CODE = code
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the console's language: kept on the account when signed in, else in the
    session; back to the page it was asked from."""
    code = request.POST.get("language", "")
    if code in _codes():
        request.session[SESSION_KEY] = code
        user = request.user
        if user.is_authenticated and user.language != code:
            user.language = code
            user.save(update_fields=["language"])
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)
