"""The sign-in form of people (the console's and the admin's): username, password and, for
those who need one, a code of their second factor (agencies.second_factor). A wrong code counts
as a failed login (lockout), like a wrong password."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies import lockout, second_factor


class SecondFactorSignInForm(AuthenticationForm):
    """Django's AuthenticationForm (axes counts its failures) with the second factor's code."""

    otp_token = forms.CharField(
        required=False,
        label=_("Code"),
        max_length=32,
        help_text=_("From your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.is_service_account:
            raise ValidationError(
                _("Service accounts sign in with tokens, not here."), code="service_account"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and second_factor.code_needed(user):
            if not second_factor.has_device(user):
                self.needs_enrolment = True
                raise ValidationError(
                    _(
                        "This account needs a second factor and has none: enrol one through "
                        "the API (POST /api/v1/auth/token/ gives an enrolment token), or ask a "
                        "platform admin to enrol one for you."
                    ),
                    code="otp_not_enrolled",
                )
            device = second_factor.verify(user, self.cleaned_data.get("otp_token", ""))
            if device is None:
                lockout.second_factor_failed(self.request, user.get_username())
                raise ValidationError(
                    _("Enter a valid code from your authenticator app or a recovery code."),
                    code="otp_invalid",
                )
            user.otp_device = device  # django-otp keeps it in the session at login
        return cleaned
