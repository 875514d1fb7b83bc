"""The enrolment token's authentication: accepted by the second-factor enrolment routes only.

A user who must have a second factor and has none gets an enrolment token instead of an API
token (agencies.second_factor). Only the views that list this class accept it; the default
authentication classes never do, so it opens nothing else.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from agencies import second_factor

PREFIX = "Enrolment"


class EnrolmentTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Enrolment <token>`."""

    def authenticate(self, request: Request) -> tuple[Any, str] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace") != PREFIX:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid enrolment token.")
        user = second_factor.enrolment_user(parts[1].decode(errors="replace"))
        # Once a factor is confirmed, its codes are the way in: the token has done its work.
        if user is None or second_factor.has_device(user):
            raise exceptions.AuthenticationFailed("Invalid or expired enrolment token.")
        return user, "enrolment"

    def authenticate_header(self, request: Request) -> str:
        return PREFIX


class EnrolmentTokenScheme(OpenApiAuthenticationExtension):
    """The enrolment token in the OpenAPI schema (drf-spectacular finds it by its class)."""

    target_class = "agencies.api.authentication.EnrolmentTokenAuthentication"
    name = "enrolmentToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`{PREFIX} <token>`: only the second-factor enrolment routes.",
        }
