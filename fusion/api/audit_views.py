"""The audit trail for oversight and platform admins."""

import django_filters
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from fusion import audit
from fusion.api.base import FusionGenericViewSet
from fusion.api.permissions import IsAuditReader
from fusion.api.schema import errors
from fusion.models import AuditEntry

ACTIONS = {"create": 0, "update": 1, "delete": 2, "access": 3}
ACTION_NAMES = {number: name for name, number in ACTIONS.items()}


class AuditEntrySerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", default=None)
    acting_agency = serializers.CharField(source="acting_agency.code", default=None)
    object_agency = serializers.CharField(source="object_agency.code", default=None)
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

    def get_object_type(self, entry: AuditEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"


class AuditFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor__username")
    action = filters.ChoiceFilter(method="filter_action", choices=[(a, a) for a in ACTIONS])
    object_type = filters.CharFilter(method="filter_object_type", label="app_label.model")
    object_id = filters.CharFilter(field_name="object_pk")
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
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
        summary="Audit and access log (oversight, platform admin); reading it is logged",
        responses={200: AuditEntrySerializer(many=True), **errors(400, 403)},
    )
)
class AuditViewSet(mixins.ListModelMixin, FusionGenericViewSet):
    permission_classes = [IsAuditReader]
    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return AuditEntry.objects.select_related(
            "actor", "content_type", "acting_agency", "object_agency"
        ).order_by("-timestamp", "-id")

    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().list(request, *args, **kwargs)
        audit.log_event(
            event="audit.read",
            model=AuditEntry,
            object_repr="audit log",
            details={"query": dict(request.query_params.lists())},
        )
        return response
