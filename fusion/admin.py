"""Admin: the audit trail (read-only, without values), share grants with repair actions,
agreements that a platform admin may switch off, matches and access requests (read-only), and
the list of purpose codes (added and changed, never deleted or renamed).

Every write here goes through a service (see `fusion.admin_rules`)."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from fusion import audit
from fusion.admin_rules import FusionModelAdmin, ReadOnlyModelAdmin
from fusion.models import (
    AccessRequest,
    AuditEntry,
    Match,
    PurposeCode,
    ShareGrant,
    SharingAgreement,
)
from fusion.purpose import purpose_code_save
from fusion.sharing import permission_store
from fusion.sharing.agreement_repair import agreement_deactivate
from fusion.sharing.shares import share_revoke
from incidents.models import Incident

# auditlog registers its own admin for the log model; ours is read-only and shows no values.
admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    """Which fields an entry changed, never their values: an incident's entries hold its
    description and place, which a platform admin without a content role does not read."""

    list_display = ("timestamp", "action", "event", "actor", "content_type", "object_pk", "outcome")
    list_filter = ("action", "event", "outcome")
    search_fields = ("object_pk", "cid")
    fields = (
        "timestamp",
        "action",
        "event",
        "outcome",
        "actor",
        "acting_agency",
        "content_type",
        "object_pk",
        "object_repr",
        "object_agency",
        "changed_fields",
        "purpose",
        "remote_addr",
        "cid",
    )
    readonly_fields = fields

    @admin.display(description="changed fields")
    def changed_fields(self, entry: AuditEntry) -> str:
        return ", ".join(sorted(entry.changes or {})) or "-"


@admin.register(ShareGrant)
class ShareGrantAdmin(FusionModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ShareGrant | None = None) -> bool:
        return False  # grants change only through the actions (services)

    @admin.action(description="Revoke the selected shares now")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareGrant]) -> None:
        with transaction.atomic():
            grants = list(queryset.select_related("incident"))
            for grant in grants:
                share_revoke(actor=request.user, share=grant)
        self.message_user(request, f"Revoked {len(grants)} shares.", messages.SUCCESS)

    @admin.action(description="Rebuild object permissions of their incidents from live grants")
    def rebuild_permissions(self, request: HttpRequest, queryset: QuerySet[ShareGrant]) -> None:
        incident_ids = list(queryset.values_list("incident_id", flat=True).distinct())
        with transaction.atomic():
            permission_store.rebuild(incident_ids)
            audit.log_event(
                event="permissions.rebuild",
                model=Incident,
                object_repr="incidents",
                details={"incidents": len(incident_ids)},
                actor=request.user,
            )
        self.message_user(request, f"Rebuilt permissions of {len(incident_ids)} incidents.")


@admin.register(SharingAgreement)
class SharingAgreementAdmin(FusionModelAdmin):
    """Agreements are made and changed by their owner's admins through the API. Here a
    platform admin may only switch one off (`agreement_deactivate`: its shares end now)."""

    list_display = ("id", "owner", "recipient", "level", "severity_min", "active", "applied_at")
    list_filter = ("active", "owner", "recipient")
    fields = (
        "owner",
        "recipient",
        "categories",
        "severity_min",
        "districts",
        "level",
        "purpose",
        "active",
        "created_by",
        "created_at",
        "updated_at",
        "applied_at",
        "apply_error",
    )
    actions = ["deactivate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: SharingAgreement | None = None
    ) -> bool:
        # Only an active agreement has something to change here: switching it off.
        return super().has_change_permission(request, obj) and (obj is None or obj.active)

    def get_readonly_fields(
        self, request: HttpRequest, obj: SharingAgreement | None = None
    ) -> tuple[str, ...]:
        if obj is not None and obj.active:
            return tuple(name for name in self.fields if name != "active")
        return self.fields

    def save_model(
        self, request: HttpRequest, obj: SharingAgreement, form: object, change: bool
    ) -> None:
        # The only editable field is `active`, and only while it is ticked.
        if change and not obj.active:
            agreement_deactivate(actor=request.user, agreement=obj)

    @admin.action(description="Switch the selected agreements off (their shares end now)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[SharingAgreement]) -> None:
        with transaction.atomic():
            ended = sum(
                agreement_deactivate(actor=request.user, agreement=agreement)
                for agreement in queryset.filter(active=True)
            )
        self.message_user(request, f"Ended {ended} shares.", messages.SUCCESS)


@admin.register(Match)
class MatchAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "kind", "agency_a", "agency_b", "score", "created_at")
    list_filter = ("kind",)


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyModelAdmin):
    """Decided by the owner's admins through the API (approval creates a share)."""

    list_display = ("id", "requester_agency", "incident", "status", "created_at", "decided_at")
    list_filter = ("status",)


@admin.register(PurposeCode)
class PurposeCodeAdmin(FusionModelAdmin):
    """The managed list of purpose codes. A code is fixed once made (audit entries, shares and
    the transparency statistics name it); one no longer used is made inactive."""

    list_display = ("code", "name", "active")
    list_filter = ("active",)
    fields = ("code", "name", "description", "active")

    def get_readonly_fields(
        self, request: HttpRequest, obj: PurposeCode | None = None
    ) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def save_model(
        self, request: HttpRequest, obj: PurposeCode, form: object, change: bool
    ) -> None:
        purpose_code_save(actor=request.user, purpose_code=obj)
