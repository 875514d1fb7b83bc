"""Assessment records for oversight and platform admins: parameters, scope, review and what
each run found, as counts per district (fusion.oversight.assessment_records); never an
incident's content, a person or an incident id. Every read is logged."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import IsAuditReader
from analytics.choices import Kind, Status
from analytics.models import Assessment
from fusion import audit
from fusion.api.base import FusionGenericViewSet
from fusion.api.datetimes import UtcIsoDateTimeFilter
from fusion.api.schema import errors
from fusion.oversight.assessment_records import (
    assessment_record,
    assessment_records,
    record_summary,
)
from incidents.filters import AgencyFilter, FilterForm

READ = "assessment.oversight_read"
LIST_READ = "assessments.oversight_read"


class AssessmentRecordFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices)
    status = filters.ChoiceFilter(choices=Status.choices)
    agency = AgencyFilter(field_name="agency__code", help_text="Agency code.")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Assessment
        fields: list[str] = []
        form = FilterForm  # each parameter once, as the incident list reads them


class RecordSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    agency = serializers.CharField(help_text="The agency it was requested for.")
    status = serializers.ChoiceField(choices=Status.choices)
    requester = serializers.CharField(help_text="Username, as in the audit log.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = serializers.CharField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    method_version = serializers.CharField()
    input_count = serializers.IntegerField()
    tlp = serializers.CharField(allow_blank=True)
    standing = serializers.BooleanField(help_text="Requested on a schedule.")


class DistrictInputsSerializer(serializers.Serializer):
    district = serializers.CharField()
    incidents = serializers.IntegerField()


class AgencyInputsSerializer(serializers.Serializer):
    agency = serializers.CharField()
    incidents = serializers.IntegerField()


class InputCountsSerializer(serializers.Serializer):
    by_district = DistrictInputsSerializer(many=True)
    by_agency = AgencyInputsSerializer(many=True)


class DistrictFlagsSerializer(serializers.Serializer):
    district = serializers.CharField()
    flagged_units = serializers.IntegerField(
        help_text="Flagged cells, surging rows or proposed pairs holding incidents here."
    )
    evidence_incidents = serializers.IntegerField(
        help_text="Distinct incidents here behind the flagged units."
    )
    flagged_incidents = serializers.IntegerField(
        allow_null=True, help_text="Incidents here in flagged units, as the bias checks count."
    )


class FlagCountsSerializer(serializers.Serializer):
    units = serializers.IntegerField(help_text="Flagged units in all.")
    by_district = DistrictFlagsSerializer(many=True)


class DistrictFeedbackSerializer(serializers.Serializer):
    district = serializers.CharField()
    flags = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    actions = serializers.DictField(child=serializers.IntegerField())
    outcomes = serializers.DictField(
        child=serializers.IntegerField(), help_text="occurred, none, unknown."
    )


class FlagFeedbackSerializer(serializers.Serializer):
    by_district = DistrictFeedbackSerializer(many=True)


class AssessmentRecordSerializer(RecordSummarySerializer):
    code_version = serializers.CharField()
    seed = serializers.IntegerField()
    input_hash = serializers.CharField(allow_blank=True)
    input_agencies = serializers.JSONField()
    scope = serializers.JSONField(help_text="Area, window and categories as stored.")
    params = serializers.JSONField()
    rationale = serializers.CharField(allow_blank=True)
    acknowledged_warnings = serializers.ListField(child=serializers.CharField())
    withdrawn_by = serializers.CharField(allow_null=True)
    withdrawal_rationale = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    inputs = InputCountsSerializer()
    flags = FlagCountsSerializer()
    bias_checks = serializers.JSONField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    flag_feedback = FlagFeedbackSerializer(
        help_text="Acknowledgements and outcomes of its flags per district (flags are raised "
        "when a result is approved)."
    )


@extend_schema_view(
    list=extend_schema(
        summary="Assessment records (oversight, platform admin): who asked, for which agency, "
        "method version, review; reading them is logged",
        responses={200: RecordSummarySerializer(many=True), **errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="One assessment record: scope, parameters, review, inputs and flags counted "
        "per district, bias checks; never incident content, persons or incident ids; logged",
        responses={200: AssessmentRecordSerializer, **errors(403, 404)},
    ),
)
class OversightAssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, FusionGenericViewSet
):
    permission_classes = [IsAuditReader]
    filterset_class = AssessmentRecordFilter
    serializer_class = RecordSummarySerializer

    def get_queryset(self) -> QuerySet[Assessment]:
        return assessment_records()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [record_summary(a) for a in page or []]
        audit.log_event(
            event=LIST_READ,
            model=Assessment,
            object_repr="assessment records",
            details={"query": dict(request.query_params.lists()), "returned": len(rows)},
        )
        return self.get_paginated_response(RecordSummarySerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        assessment = get_object_or_404(self.get_queryset(), pk=pk)
        body = AssessmentRecordSerializer(assessment_record(assessment)).data
        # object_agency_id left out: the requesting agency's admins do not learn who read it
        audit.log_event(
            event=READ,
            model=Assessment,
            object_pk=str(assessment.pk),
            object_repr=str(assessment),
            details={"kind": assessment.kind},
        )
        return Response(body)
