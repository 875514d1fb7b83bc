"""The global DRF permission: an authenticated, active user. Views never restate it."""

from typing import Any

from rest_framework.permissions import BasePermission

from agencies.permissions import (
    admin_agency_ids,
    is_oversight,
    is_platform_admin,
    reads_content,
)


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
