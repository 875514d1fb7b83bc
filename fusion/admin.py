"""Admin: the audit trail, read-only."""

from django.contrib import admin

from fusion.models import AuditEntry

# auditlog registers its own admin for the log model; ours also forbids deletion.
admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("timestamp", "action", "event", "actor", "content_type", "object_pk", "outcome")
    list_filter = ("action", "event", "outcome")
    search_fields = ("object_pk", "cid")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
