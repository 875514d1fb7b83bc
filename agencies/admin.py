"""Admin for users, agencies, memberships and service accounts (platform admins)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agencies.models import Agency, Membership, ServiceAccount, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class FusionUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_filter = ("is_active", "is_superuser", "memberships__agency")

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # deactivate instead: audit entries keep their actor


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind")
    search_fields = ("code", "name")
    readonly_fields = ("group",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role")
    list_filter = ("agency", "role")
    search_fields = ("user__username",)


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "user", "created_at")
    list_filter = ("agency",)
