"""Admin for the category taxonomy and read-only incident inspection."""

from django.contrib import admin

from incidents.models import Category, Incident


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "group", "active")
    list_filter = ("group", "active")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Incidents change through the API (services, rules, audit); the admin only shows them."""

    list_display = ("id", "agency", "external_ref", "category", "severity", "tlp", "occurred_at")
    list_filter = ("agency", "tlp", "category")
    search_fields = ("external_ref",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
