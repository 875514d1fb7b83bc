"""The admin site with the second factor: its login form asks for a code of those who need one
(agencies.second_factor) and counts a wrong code as a failed login (lockout); its pages are
open to them only in a session verified by that code. Installed by config.urls, as django-otp
documents for its own OTPAdminSite."""

from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from agencies import lockout, second_factor
from fusion.api.throttling import LoginAddressThrottle


class SecondFactorLoginForm(AdminAuthenticationForm):
    """Username, password and, for those who need one, a code of their second factor."""

    otp_token = forms.CharField(
        required=False,
        label="Code",
        max_length=32,
        help_text="From your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and second_factor.code_needed(user):
            if not second_factor.has_device(user):
                raise ValidationError(
                    "This account needs a second factor and has none: enrol one through the "
                    "API (POST /api/v1/auth/token/ gives an enrolment token), or ask a "
                    "platform admin to enrol one for you.",
                    code="otp_not_enrolled",
                )
            device = second_factor.verify(user, self.cleaned_data.get("otp_token", ""))
            if device is None:
                lockout.second_factor_failed(self.request, user.get_username())
                raise ValidationError(
                    "Enter a valid code from your authenticator app or a recovery code.",
                    code="otp_invalid",
                )
            user.otp_device = device  # django-otp keeps it in the session at login
        return cleaned


class FusionAdminSite(AdminSite):
    """Django's admin site; those who need a second factor need a session verified by it, and
    login attempts are limited per client address as on the token route."""

    login_form = SecondFactorLoginForm
    login_template = "agencies/admin_login.html"

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST":
            throttle = LoginAddressThrottle()
            if not throttle.allow_request(request, None):
                wait = throttle.wait() or 60
                response = HttpResponse(
                    "Too many login attempts from this address; try again later.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(int(wait) + 1)
                return response
        return super().login(request, extra_context)

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        verified = getattr(user, "is_verified", None)
        return not second_factor.code_needed(user) or bool(verified and verified())
