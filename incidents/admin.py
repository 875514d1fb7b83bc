"""Admin for the category taxonomy and read-only incident inspection."""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from incidents.models import Category, Incident


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "group", "active")
    list_filter = ("group", "active")


@admin.register(Incident)
class IncidentAdmin(GuardedModelAdmin):
    """Incidents change through the API (services, rules, audit); the admin shows them, and
    guardian's "Object permissions" page lets platform admins inspect who holds which
    permission on one incident. Shares themselves are repaired from the share-grant admin."""

    list_display = ("id", "agency", "external_ref", "category", "severity", "tlp", "occurred_at")
    list_filter = ("agency", "tlp", "category")
    search_fields = ("external_ref",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Read-only, but guardian's object-permission views need the change page to exist.
        return request.user.is_superuser and request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
