"""The admin site with the second factor: its login form asks for a code of those who need one
(agencies.second_factor) and counts a wrong code as a failed login (lockout); its pages are
open to them only in a session verified by that code. Installed by config.urls, as django-otp
documents for its own OTPAdminSite."""

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse

from agencies import second_factor
from agencies.sign_in_form import SecondFactorSignInForm
from fusion.api.throttling import LoginAddressThrottle


class SecondFactorLoginForm(SecondFactorSignInForm, AdminAuthenticationForm):
    """The admin's login: staff only, with the second factor's code."""


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
