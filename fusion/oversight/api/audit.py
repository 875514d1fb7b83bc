"""The audit trail for oversight and platform admins."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import IsAuditReader, ReadsAuditTrail
from fusion import audit
from fusion.api.base import FusionGenericViewSet
from fusion.api.datetimes import UtcIsoDateTimeFilter
from fusion.api.schema import errors
from fusion.audit.chain import verify
from fusion.models import AuditEntry
from fusion.oversight.audit_reads import visible_audit_entries
from fusion.sharing.visibility import reader_agency_ids
from incidents.redaction import audit_changes

ACTIONS = {"create": 0, "update": 1, "delete": 2, "access": 3}
ACTION_NAMES = {number: name for name, number in ACTIONS.items()}


class AuditEntrySerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    acting_agency = serializers.CharField(
        source="acting_agency.code", default=None, allow_null=True
    )
    object_agency = serializers.CharField(
        source="object_agency.code", default=None, allow_null=True
    )
    object_type = serializers.SerializerMethodField()
    object_id = serializers.CharField(source="object_pk")
    correlation_id = serializers.CharField(source="cid", allow_null=True)

    class Meta:
        model = AuditEntry
        fields = (
            "id",
            "timestamp",
            "action",
            "event",
            "outcome",
            "actor",
            "acting_agency",
            "object_type",
            "object_id",
            "object_repr",
            "object_agency",
            "changes",
            "purpose",
            "remote_addr",
            "correlation_id",
            "additional_data",
        )

    def get_action(self, entry: AuditEntry) -> str:
        return ACTION_NAMES.get(entry.action, str(entry.action))

    def to_representation(self, entry: AuditEntry) -> dict[str, Any]:
        data = super().to_representation(entry)
        data["changes"] = audit_changes(
            data["changes"],
            model=(entry.content_type.app_label, entry.content_type.model),
            object_agency_id=entry.object_agency_id,
            content_agency_ids=self.context.get("content_agency_ids", ()),
        )
        return data

    def get_object_type(self, entry: AuditEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="Entries whose link was recomputed.")
    first_bad = serializers.IntegerField(
        allow_null=True, help_text="Id of the first entry changed, deleted, forged or unsealed."
    )
    pending = serializers.IntegerField(help_text="Entries committed but not sealed yet.")
    reason = serializers.CharField(help_text="Why first_bad is bad; empty when ok.")


class AuditFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor__username")
    action = filters.ChoiceFilter(method="filter_action", choices=[(a, a) for a in ACTIONS])
    object_type = filters.CharFilter(method="filter_object_type", label="app_label.model")
    object_id = filters.CharFilter(field_name="object_pk")
    since = UtcIsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    event = filters.CharFilter()

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_action(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(action=ACTIONS[value]) if value else qs

    def filter_object_type(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        app_label, _, model = value.partition(".")
        return qs.filter(content_type__app_label=app_label, content_type__model=model)


@extend_schema_view(
    list=extend_schema(
        summary="Audit and access log (oversight, platform admin; an agency admin: entries "
        "about its own agency's objects); reading it is logged",
        responses={200: AuditEntrySerializer(many=True), **errors(400, 403)},
    )
)
class AuditViewSet(mixins.ListModelMixin, FusionGenericViewSet):
    permission_classes = [ReadsAuditTrail]
    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter

    def get_permissions(self) -> list[Any]:
        # Verifying the chain is about the whole trail: oversight and platform admins only.
        return [IsAuditReader()] if self.action == "verify" else [ReadsAuditTrail()]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["content_agency_ids"] = reader_agency_ids(self.request.user)
        return context

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        return (
            visible_audit_entries(self.request.user)
            .select_related("actor", "content_type", "acting_agency", "object_agency")
            .order_by("-timestamp", "-id")
        )

    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().list(request, *args, **kwargs)
        audit.log_event(
            event="audit.read",
            model=AuditEntry,
            object_repr="audit log",
            details={"query": dict(request.query_params.lists())},
        )
        return response

    @extend_schema(
        summary="Verify the audit hash chain: the first bad entry, if any; logged",
        responses={200: VerificationSerializer, **errors(403)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def verify(self, request: Request) -> Response:
        result = verify()
        body = VerificationSerializer(result).data
        audit.log_event(
            event="audit.verify", model=AuditEntry, object_repr="audit chain", details=body
        )
        return Response(body)
