"""Retention under /agencies/{code}/: periods per category, legal holds, and the runs' counts.
Only the agency's admins and platform admins; anyone else gets 403 (agencies are public),
an unknown agency 404."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency
from fusion.api.base import FusionGenericViewSet
from fusion.api.query_flags import query_flag
from fusion.api.schema import errors
from fusion.models import LegalHold, RetentionPolicy, RetentionRun
from fusion.retention import holds, policies
from fusion.retention.api import serializers as s
from fusion.retention.runs import agency_retention_runs


class _AgencyRetention(FusionGenericViewSet):
    def agency(self) -> Agency:
        """The agency of the path (404 when unknown); its admins only (403), checked by the
        services and selectors."""
        if not hasattr(self, "_agency"):
            self._agency = get_object_or_404(Agency, code=self.kwargs["agency_code"])
            policies.require_manager(self.request.user, self._agency)
        return self._agency


@extend_schema_view(
    list=extend_schema(
        summary="Retention period of every category (agency admins)",
        description="Days the agency keeps the persons of an incident of each category, counted "
        "from `reported_at`; `default` when the category takes FUSION_RETENTION_DEFAULT_DAYS.",
        responses={200: s.PeriodOutputSerializer(many=True), **errors(403, 404)},
    ),
    retrieve=extend_schema(
        summary="One category's retention period",
        responses={200: s.PeriodOutputSerializer, **errors(403, 404)},
    ),
    update=extend_schema(
        summary="Set a category's retention period (audited with before and after)",
        request=s.PeriodInputSerializer,
        responses={200: s.PeriodOutputSerializer, **errors(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Give a category the default period again",
        responses={204: None, **errors(403, 404)},
    ),
)
class RetentionPolicyViewSet(_AgencyRetention):
    serializer_class = s.PeriodOutputSerializer
    queryset = RetentionPolicy.objects.none()  # schema introspection; the views decide
    lookup_field = "category"
    lookup_value_regex = r"[-\w]+"
    http_method_names = ["get", "put", "delete", "head", "options"]

    def list(self, request: Request, agency_code: str) -> Response:
        page = self.paginate_queryset(policies.retention_periods(agency=self.agency()))
        return self.get_paginated_response(s.PeriodOutputSerializer(page, many=True).data)

    def retrieve(self, request: Request, agency_code: str, category: str) -> Response:
        period = policies.retention_period(agency=self.agency(), category_slug=category)
        return Response(s.PeriodOutputSerializer(period).data)

    def update(self, request: Request, agency_code: str, category: str) -> Response:
        agency = self.agency()
        policies.retention_period(agency=agency, category_slug=category)  # 404 before 400
        serializer = s.PeriodInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = policies.retention_policy_set(
            actor=request.user, agency=agency, category_slug=category, **serializer.validated_data
        )
        return Response(s.PeriodOutputSerializer(period).data)

    def destroy(self, request: Request, agency_code: str, category: str) -> Response:
        policies.retention_policy_reset(
            actor=request.user, agency=self.agency(), category_slug=category
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


LIVE = OpenApiParameter("live", bool, description="true: live holds only; false: lifted only.")


@extend_schema_view(
    list=extend_schema(
        summary="Legal holds on the agency's incidents (agency admins)",
        parameters=[LIVE],
        responses={200: s.HoldOutputSerializer(many=True), **errors(400, 403, 404)},
    ),
    create=extend_schema(
        summary="Hold an incident's persons past their retention period, with a reason",
        request=s.HoldInputSerializer,
        responses={201: s.HoldOutputSerializer, **errors(400, 403, 404, 409)},
    ),
    lift=extend_schema(
        summary="Lift a legal hold, with a reason",
        request=s.HoldLiftInputSerializer,
        responses={200: s.HoldOutputSerializer, **errors(400, 403, 404, 409)},
    ),
)
class LegalHoldViewSet(mixins.ListModelMixin, _AgencyRetention):
    serializer_class = s.HoldOutputSerializer
    queryset = LegalHold.objects.none()  # schema introspection; get_queryset decides
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[LegalHold]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        live = query_flag(self.request, "live") if "live" in self.request.query_params else None
        return holds.legal_holds(actor=self.request.user, agency=self.agency(), live=live)

    def create(self, request: Request, agency_code: str) -> Response:
        agency = self.agency()
        serializer = s.HoldInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = holds.legal_hold_place(
            actor=request.user,
            agency=agency,
            incident_id=serializer.validated_data["incident"],
            reason=serializer.validated_data["reason"],
        )
        return Response(s.HoldOutputSerializer(hold).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def lift(self, request: Request, agency_code: str, pk: str) -> Response:
        agency = self.agency()
        holds.legal_hold(actor=request.user, agency=agency, hold_id=pk)  # 404 before 400
        serializer = s.HoldLiftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = holds.legal_hold_lift(
            actor=request.user, agency=agency, hold_id=pk, **serializer.validated_data
        )
        return Response(s.HoldOutputSerializer(hold).data)


@extend_schema_view(
    list=extend_schema(
        summary="Retention runs with this agency's counts (dry runs and applying runs)",
        description="Per category: the cutoff (`reported_at` before it is past the period), "
        "persons counted or anonymised, their incidents, and persons kept by legal holds. "
        "A dry run's counts are applied by the daily run FUSION_RETENTION_NOTICE_HOURS later.",
        responses={200: s.RunOutputSerializer(many=True), **errors(403, 404)},
    ),
)
class RetentionRunViewSet(mixins.ListModelMixin, _AgencyRetention):
    serializer_class = s.RunOutputSerializer
    queryset = RetentionRun.objects.none()

    def get_queryset(self) -> QuerySet[RetentionRun]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return agency_retention_runs(actor=self.request.user, agency=self.agency())
