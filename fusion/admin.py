"""Admin: the audit trail (read-only) and share grants with repair actions."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from fusion import permission_store
from fusion.models import AccessRequest, AuditEntry, Match, ShareGrant, SharingAgreement
from fusion.sharing import share_revoke

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


@admin.register(ShareGrant)
class ShareGrantAdmin(admin.ModelAdmin):
    """Inspect shares; revoke them, or rebuild the guardian rows of their incidents from the
    live grants when the permission store has been damaged (both audited)."""

    list_display = (
        "id",
        "incident",
        "agency",
        "user",
        "level",
        "origin",
        "expires_at",
        "revoked_at",
        "end_reason",
    )
    list_filter = ("level", "origin", "end_reason", "agency")
    search_fields = ("incident__id", "incident__external_ref")
    readonly_fields = [f.name for f in ShareGrant._meta.fields]
    actions = ["revoke", "rebuild_permissions"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Revoke the selected shares now")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareGrant]) -> None:
        for grant in queryset.select_related("incident"):
            share_revoke(actor=request.user, share=grant)
        self.message_user(request, f"Revoked {queryset.count()} shares.", messages.SUCCESS)

    @admin.action(description="Rebuild object permissions of their incidents from live grants")
    def rebuild_permissions(self, request: HttpRequest, queryset: QuerySet[ShareGrant]) -> None:
        incident_ids = list(queryset.values_list("incident_id", flat=True).distinct())
        permission_store.rebuild(incident_ids)
        from fusion import audit
        from incidents.models import Incident

        audit.log_event(
            event="permissions.rebuild",
            model=Incident,
            object_repr="incidents",
            details={"incidents": len(incident_ids)},
            actor=request.user,
        )
        self.message_user(request, f"Rebuilt permissions of {len(incident_ids)} incidents.")


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "recipient", "level", "severity_min", "active", "applied_at")
    list_filter = ("active", "owner", "recipient")


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "agency_a", "agency_b", "score", "created_at")
    list_filter = ("kind",)


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "requester_agency", "incident", "status", "created_at", "decided_at")
    list_filter = ("status",)
