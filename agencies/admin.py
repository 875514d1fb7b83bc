"""Admin for users, agencies, memberships and service accounts (platform admins).

Every write goes through `agencies.services`, as the API's do (see `fusion.admin_rules`):
users and agencies are created, memberships added and removed, logins and service accounts
deactivated. What has no service (renames, roles changed in place, permission flags, group
rows, API tokens, passwords) is read-only here.
"""

from typing import Any

import knox.admin  # noqa: F401 - registers its admin first, so that ours replaces it
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from knox.models import AuthToken

from agencies.models import Agency, Membership, ServiceAccount, User
from agencies.services import (
    agency_create,
    member_add,
    member_remove,
    service_account_deactivate,
    user_create,
    user_set_active,
)
from fusion.admin_rules import AttributedAdminMixin, FusionModelAdmin, ReadOnlyModelAdmin

# Agency groups are made by agency_create and read through memberships; a token minted here
# would let its maker act as another user. Both are shown, never written.
admin.site.unregister(Group)
admin.site.unregister(AuthToken)


@admin.register(Group)
class ReadOnlyGroupAdmin(AttributedAdminMixin, GroupAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuthToken)
class AuthTokenAdmin(ReadOnlyModelAdmin):
    """Tokens end with their user's deactivation or membership removal (services)."""

    list_display = ("user", "created", "expiry")
    fields = ("user", "created", "expiry")


class MembershipInline(admin.TabularInline):
    """Memberships of a user, read-only: they change on the membership pages (services)."""

    model = Membership
    extra = 0
    fields = ("agency", "role")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class FusionUserAdmin(AttributedAdminMixin, UserAdmin):
    """Create logins (`user_create`) and (de)activate them (`user_set_active`, which revokes
    their tokens); nothing else of a user is written here. Users are never deleted: audit
    entries keep their actor."""

    inlines = [MembershipInline]
    list_filter = ("is_active", "is_superuser", "memberships__agency")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list:
        return [] if obj is None else self.inlines

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return tuple(f for f in self.fieldsets[0][1]["fields"] if f != "is_active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def user_change_password(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied  # no service sets another user's password

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        if not change:
            data = form.cleaned_data
            made = user_create(
                actor=request.user,
                username=data["username"],
                password=data.get("password1") or "",
                email=data.get("email") or "",
            )
            obj.pk = made.pk
        elif "is_active" in form.changed_data:
            stored = User.objects.get(pk=obj.pk)
            user_set_active(actor=request.user, user=stored, is_active=obj.is_active)


@admin.register(Agency)
class AgencyAdmin(FusionModelAdmin):
    """Agencies are created with their permission group (`agency_create`), then shown."""

    list_display = ("code", "name", "kind")
    search_fields = ("code", "name")
    fields = ("code", "name", "kind", "group")
    readonly_fields = ("group",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Agency, form: ModelForm, change: bool) -> None:
        made = agency_create(actor=request.user, code=obj.code, name=obj.name, kind=obj.kind)
        obj.pk, obj.group_id = made.pk, made.group_id


@admin.register(Membership)
class MembershipAdmin(FusionModelAdmin):
    """Add (`member_add`) and remove (`member_remove`, which revokes the user's tokens)
    memberships, one by one or in bulk; a role is changed by removing and adding."""

    list_display = ("user", "agency", "role")
    list_filter = ("agency", "role")
    search_fields = ("user__username",)
    autocomplete_fields = ("agency",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Membership, form: ModelForm, change: bool
    ) -> None:
        made = member_add(actor=request.user, agency=obj.agency, user=obj.user, role=obj.role)
        obj.pk = made.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        member_remove(actor=request.user, membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        with transaction.atomic():
            for membership in queryset.select_related("agency", "user"):
                member_remove(actor=request.user, membership=membership)


@admin.register(ServiceAccount)
class ServiceAccountAdmin(ReadOnlyModelAdmin):
    """Created through the API (the token is shown once there); deactivated here."""

    list_display = ("name", "agency", "user", "created_at")
    list_filter = ("agency",)
    actions = ["deactivate"]

    @admin.action(description="Deactivate the selected service accounts (tokens revoked)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[ServiceAccount]) -> None:
        with transaction.atomic():
            accounts = list(queryset.select_related("agency", "user"))
            for account in accounts:
                service_account_deactivate(actor=request.user, account=account)
        self.message_user(request, f"Deactivated {len(accounts)} service accounts.")
