"""Enrolling a second factor at the console's sign-in: a person who must have one and has
none proved their password (the sign-in form kept an enrolment token in the session, the
same ten-minute credential the API's enrolment routes take); here they add an authenticator
app by scanning its QR code or typing its secret, confirm with a code, are shown their
recovery codes once, and are signed in with the new device."""

import segno
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import second_factor
from fusion.errors import DomainError

SESSION_KEY = "console_enrolment"
DEVICE_KEY = "console_enrolment_device"


def start(request: HttpRequest, token: str) -> HttpResponse:
    """Keep the enrolment token in the session and go to the enrolment page."""
    request.session[SESSION_KEY] = token
    return redirect("console:enrol")


@sensitive_post_parameters("code")
@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    """GET: the QR code and secret of a pending authenticator app. POST: confirm it with a
    code from the app; then the recovery codes, once, and the session is signed in."""
    user = second_factor.enrolment_user(request.session.get(SESSION_KEY, ""))
    if user is None or second_factor.has_device(user):
        request.session.pop(SESSION_KEY, None)
        return redirect("console:sign-in")
    error = ""
    if request.method == "POST":
        try:
            codes = second_factor.totp_confirm(actor=user, code=request.POST.get("code", ""))
        except DomainError as exc:
            messages = [m for field in (exc.errors or {}).values() for m in field]
            error = "; ".join(messages) or exc.detail
        else:
            request.session.pop(SESSION_KEY, None)
            request.session.pop(DEVICE_KEY, None)
            user.otp_device = TOTPDevice.objects.get(user=user, confirmed=True)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session["django_language"] = user.language
            return render(request, "console/recovery_codes.html", {"codes": codes})
    # The secret is shown to this session only: a device begun by another sign-in (someone
    # else who had the password, say) is replaced, never shown again.
    device = TOTPDevice.objects.filter(
        user=user, confirmed=False, pk=request.session.get(DEVICE_KEY)
    ).first()
    if device is None:
        device = second_factor.totp_enrol_start(actor=user)
        request.session[DEVICE_KEY] = device.pk
    context = {
        "qr_svg": _qr_svg(device.config_url),
        "secret": second_factor.secret_of(device),
        "error": error,
    }
    return render(request, "console/enrol.html", context, status=400 if error else 200)


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
