"""Who may open a console page: a signed-in, active person (a session only comes from the
console's or the admin's sign-in, which ask for the second factor of those who need one).
Everything finer is decided by the API call the page makes (fusion.console.api_client)."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from agencies import second_factor
from agencies.selectors import roles_of
from fusion import audit


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send anyone not signed in (or a session not verified by the second factor it needs) to
    the sign-in page; bind the audit actor for the page's own work (API calls bind theirs)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        verified = getattr(user, "is_verified", None)
        if (
            not (user.is_authenticated and user.is_active)
            or user.is_service_account
            or (second_factor.code_needed(user) and not (verified and verified()))
        ):
            return _to_sign_in(request)
        with audit.acting(user):
            return view(request, *args, **kwargs)

    return wrapper


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    """To the sign-in page; a page's script asking for data (JSON) or a part of a page (htmx)
    is told so in its own terms, the page then goes to sign in."""
    if request.path.endswith(".json"):
        return JsonResponse(
            {"detail": gettext("Your session has ended: sign in again.")}, status=401
        )
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        page = urlparse(request.headers.get("HX-Current-URL", ""))
        back = page.path + (f"?{page.query}" if page.query else "") or request.get_full_path()
        response["HX-Redirect"] = redirect_to_login(back, "console:sign-in")["Location"]
        return response
    return redirect_to_login(request.get_full_path(), "console:sign-in")


def roles(request: HttpRequest) -> set[str]:
    """The roles the signed-in user holds in any agency."""
    return set(roles_of(request.user).values())


def has_role(request: HttpRequest, *wanted: str) -> bool:
    return bool(roles(request) & set(wanted))
