"""Signing in and out of the console: the accounts rules of the API and the admin (lockout
after repeated failures, the second factor of those who need one, attempts limited per client
address), a session with CSRF, and signing out by POST."""

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from agencies import second_factor
from agencies.sign_in_form import SecondFactorSignInForm
from fusion.api.throttling import LoginAddressThrottle
from fusion.console import enrolment


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@sensitive_post_parameters("password", "otp_token")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: sign in, or the form again with what was wrong (429 when this
    address tried too often; axes answers a locked-out username with its lockout page)."""
    if request.method == "POST":
        throttle = LoginAddressThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait() or 60) + 1
            response = render(
                request,
                "console/sign_in.html",
                {"form": SecondFactorSignInForm(request), "throttled": True, "wait": wait},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        form = SecondFactorSignInForm(request, data=request.POST)
        valid = form.is_valid()
        if getattr(form, "needs_enrolment", False):
            return enrolment.start(request, second_factor.enrolment_token(form.get_user()))
        if valid:
            user = form.get_user()
            login(request, user)  # django-otp keeps the verified device in the session
            request.session["django_language"] = user.language
            return redirect(_next_url(request))
        status = 400
    else:
        if request.user.is_authenticated:
            return redirect(_next_url(request))
        form = SecondFactorSignInForm(request)
        status = 200
    context = {"form": form, "next": _next_url(request), "title": _("Sign in")}
    return render(request, "console/sign_in.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session by POST only, with CSRF, so that a link cannot sign anyone out; the
    address typed or bookmarked (a GET) shows the button that does it."""
    if request.method == "POST":
        logout(request)
        return redirect("console:sign-in")
    if not request.user.is_authenticated:
        return redirect("console:sign-in")
    return render(request, "console/sign_out.html", {"title": _("Sign out")})
