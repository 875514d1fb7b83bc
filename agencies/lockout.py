"""Login lockout on top of django-axes: what a locked account answers, and the audit trail of
failed logins and lockouts.

Axes counts the failures of a username on every login path (the API token, the admin, any
form that calls `authenticate` with the request) and refuses a locked username before its
password is checked, so a locked account answers the same, equally fast, whether the password
was right or not, and whether the username exists or not. This module adds what axes leaves to
the project: the answer (a 429 in the API's error shape, a plain page elsewhere), one audit
entry per refused login and one per lockout, which the agency admins' notifications read.
Entries are written once the response is sent (`audit.log_refusal`), so their writing tells
nothing by timing and a rolled-back request keeps them.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language, get_language_bidi

from fusion import audit
from fusion.audit.events import LOCKED_OUT

TOKEN_REFUSED = "auth.token_refused"  # noqa: S105 - an event name
LOGIN_REFUSED = "auth.login_refused"
TOKEN_PATH = "/api/v1/auth/token/"  # noqa: S105 - a route
MESSAGE = "Too many failed logins: this account is locked for a while. Try again later."


def is_locked_out(request: HttpRequest | None) -> bool:
    """Whether axes refused (or just locked) the login attempted in this request."""
    return bool(getattr(request, "axes_locked_out", False))


def retry_after_seconds() -> int:
    """The whole lockout window: the same for every locked username, so it tells nothing."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; JSON for the API, a page elsewhere.

    It never depends on the credentials, so right and wrong passwords answer alike."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=status)
    else:
        minutes = max(1, retry_after_seconds() // 60)
        context = {"message": MESSAGE, "minutes": minutes}
        # the console's layout, without the request: no token or name differs between a
        # right and a wrong password
        context |= {"console_language": get_language(), "console_rtl": get_language_bidi()}
        page = render_to_string("agencies/locked_out.html", context)
        response = HttpResponse(page, status=status)
    response["Retry-After"] = str(retry_after_seconds())
    return response


def second_factor_failed(request: HttpRequest, username: str) -> None:
    """A right password with a wrong or missing code: a failed login for lockout and audit."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": username, "otp": "********"},
        request=request,
    )


def on_login_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """user_login_failed receiver (after axes's): one refusal entry per failed login."""
    username = str(credentials.get("username") or "")
    path = getattr(request, "path", "")
    locked = is_locked_out(request) and getattr(request, "axes_failures_since_start", 0) is None
    reason = "locked" if locked else "second_factor" if "otp" in credentials else "credentials"
    audit.log_refusal(
        event=TOKEN_REFUSED if path == TOKEN_PATH else LOGIN_REFUSED,
        model=_user_model(),
        object_repr=username,
        outcome="failure",
        details={"reason": reason, "path": path},
    )


def on_locked_out(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    """axes user_locked_out receiver: an entry per lockout (not per refusal while locked),
    one per agency of the user so each agency's admins see it; one without agency for a user
    in none or a username that does not exist."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return  # axes refused an already locked username: no new lockout
    failures = request.axes_failures_since_start
    audit.keep_refusal(lambda: _log_lockout(username or "", failures))


def _log_lockout(username: str, failures: int) -> None:
    from agencies.models import Membership, User

    user = User.objects.filter(username=username).first()
    agencies = [None]
    if user is not None:
        agencies = list(Membership.objects.filter(user=user).values_list("agency_id", flat=True))
        agencies = agencies or [None]
    for agency_id in agencies:
        details: dict[str, Any] = {"failures": failures, "minutes": retry_after_seconds() // 60}
        if agency_id is not None:
            details["object_agency_id"] = agency_id
        audit.log_event(
            event=LOCKED_OUT,
            model=User,
            object_pk=str(user.pk) if user else "",
            object_repr=username,
            outcome="failure",
            details=details,
        )


def _user_model() -> type:
    from django.contrib.auth import get_user_model

    return get_user_model()


def connect() -> None:
    """Connect the receivers (AgenciesConfig.ready, after axes connected its own)."""
    from axes.signals import user_locked_out

    user_login_failed.connect(on_login_failed, dispatch_uid="fusion_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="fusion_locked_out")
