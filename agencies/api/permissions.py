"""The global DRF permission: an authenticated, active user. Views never restate it.

And the one check of service accounts' scopes (`ScopeAllows`), which every Fusion view adds
to whatever permissions it declares (fusion.api.base asks for it through fusion.identity).
"""

from typing import Any

from rest_framework.permissions import BasePermission

from agencies.choices import Scope
from agencies.permissions import (
    admin_agency_ids,
    is_oversight,
    is_platform_admin,
    reads_content,
)
from agencies.selectors import service_scopes

_W, _R, _D, _P = (
    Scope.INCIDENTS_WRITE,
    Scope.INCIDENTS_READ,
    Scope.INCIDENTS_DELETE,
    Scope.PERSONS_READ,
)
# (route name, method) → the scopes a service account's token needs, all of them; () lets any
# service account in. A route or method missing here is closed to service accounts, so a new
# route stays closed to them until it is listed.
SERVICE_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("incident-list", "POST"): (_W,),
    ("incident-bulk", "POST"): (_W,),
    ("import", "POST"): (_W,),
    ("incident-categories", "GET"): (),
    ("incident-districts", "GET"): (),
    ("incident-list", "GET"): (_R,),
    ("incident-detail", "GET"): (_R,),
    ("incident-map", "GET"): (_R,),
    # a change answers with the stored incident, so it reads too
    ("incident-detail", "PUT"): (_W, _R),
    ("incident-detail", "PATCH"): (_W, _R),
    ("incident-detail", "DELETE"): (_D,),
    ("export", "GET"): (_R,),
    ("match-list", "GET"): (_R,),
    ("persons-search", "GET"): (_P,),
    ("transparency", "GET"): (),
}
_AS_METHOD = {"HEAD": "GET", "OPTIONS": "GET"}


def scopes_needed(request: Any) -> tuple[str, ...] | None:
    """The scopes a service account needs for this call; None when no scope allows it."""
    match = getattr(request, "resolver_match", None)
    method = _AS_METHOD.get(request.method, request.method)
    needed = SERVICE_SCOPES.get((getattr(match, "url_name", None), method))
    if needed is not None and "persons" in request.query_params.get("include", "").split(","):
        needed = (*needed, _P)
    return needed


class IsActiveUser(BasePermission):
    """Authenticated and active; everything finer is decided by selectors and services."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ReadsIncidents(IsActiveUser):
    """Holds a role that reads incident content in some agency (oversight does not)."""

    message = "Your roles do not include reading incidents."

    def has_permission(self, request: Any, view: Any) -> bool:
        return super().has_permission(request, view) and reads_content(request.user)


class IsPlatformAdmin(IsActiveUser):
    message = "Only platform admins may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_platform_admin(request.user)


class ReadsAuditTrail(IsActiveUser):
    """Oversight members and platform admins read the whole trail; agency admins read the
    entries about their own agencies' objects (the view narrows what they get)."""

    message = "Only oversight members, platform admins and agency admins read the audit trail."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return super().has_permission(request, view) and (
            is_platform_admin(user) or is_oversight(user) or bool(admin_agency_ids(user))
        )


class IsAuditReader(IsActiveUser):
    """Platform admins and oversight members read the audit trail."""

    message = "Only oversight members and platform admins read the audit trail."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return super().has_permission(request, view) and (
            is_platform_admin(user) or is_oversight(user)
        )


class IsOversight(IsActiveUser):
    """Members of an oversight body in the oversight role, never a platform admin (the method
    kill switch)."""

    message = "Only oversight members may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return (
            super().has_permission(request, view) and is_oversight(user) and not user.is_superuser
        )


class HandlesComplaints(IsAuditReader):
    """Oversight members and platform admins read and handle complaints."""

    message = "Only oversight members and platform admins handle complaints."


class ScopeAllows(BasePermission):
    """A service account's token does only what its scopes allow (least privilege); people's
    calls are not concerned. Added to every Fusion view by fusion.api.base."""

    message = "This service account's scopes do not allow this call."

    def has_permission(self, request: Any, view: Any) -> bool:
        held = service_scopes(request.user)
        if held is None:
            return True
        needed = scopes_needed(request)
        return needed is not None and held.issuperset(needed)
