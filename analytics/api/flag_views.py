"""Flags of approved results: list, acknowledge, record an outcome; and the KPIs of flags and
the time to insight of results.

A flag is seen by whoever sees its assessment (analytics.visibility): any other caller gets a
404, as for a missing id. Acting on it is for the analysts, coordinators and admins of its
agency (analytics.flags, 403 otherwise). The KPIs are an agency's own, over the flags of the
assessments the caller sees and over the approved results the caller sees.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.acting import acting_agency
from agencies.api.permissions import ReadsIncidents
from analytics import flags as services
from analytics.choices import FlagAction, Status
from analytics.kpis import KPI_PERIODS, kpis_by_period
from analytics.models import Assessment, Flag
from analytics.visibility import visible_assessments
from fusion import audit
from fusion.api.base import FusionAPIView, FusionGenericViewSet
from fusion.api.query_flags import query_choice
from fusion.api.renderers import JSONErrors
from fusion.api.schema import errors
from fusion.api.serializers import StrictInputSerializer

MAX_KPI_PERIODS = 24
FORMAT = OpenApiParameter("format", str, enum=["json"])


PERIOD_COUNTS = tuple(str(n) for n in range(1, MAX_KPI_PERIODS + 1))


class FlagSerializer(serializers.ModelSerializer):
    acknowledgement = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    outcome_computed = serializers.SerializerMethodField(
        help_text="True: the outcome is computed from later incidents once the period ends; "
        "false: a person records it (links, cells listed without their place)."
    )

    class Meta:
        model = Flag
        fields = (
            "id", "kind", "key", "district", "place", "period_start", "period_end",
            "created_at", "acknowledgement", "outcome", "outcome_computed",
        )  # fmt: skip

    def get_acknowledgement(self, flag: Flag) -> dict[str, Any] | None:
        if flag.acknowledged_at is None:
            return None
        return {
            "by": flag.acknowledged_by.username if flag.acknowledged_by else None,
            "at": flag.acknowledged_at.isoformat(),
            "action": flag.action,
            "reason": flag.reason,
        }

    def get_outcome(self, flag: Flag) -> dict[str, Any] | None:
        if flag.outcome is None:
            return {"error": flag.outcome_error} if flag.outcome_error else None
        return {
            "occurred": flag.outcome,
            "source": flag.outcome_source,
            "incidents": flag.outcome_incidents,
            "at": flag.outcome_at.isoformat() if flag.outcome_at else None,
            "by": flag.outcome_by.username if flag.outcome_by else None,
            "note": flag.outcome_note,
        }

    def get_outcome_computed(self, flag: Flag) -> bool:
        return services.outcome_computable(flag)


class AcknowledgeSerializer(StrictInputSerializer):
    action = serializers.ChoiceField(choices=FlagAction.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Required for action none.",
    )


class OutcomeSerializer(StrictInputSerializer):
    occurred = serializers.BooleanField(
        help_text="True: an incident occurred there in the period (a link: the two reports "
        "are one event)."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FlagViewSet(JSONErrors, mixins.ListModelMixin, FusionGenericViewSet):
    permission_classes = [ReadsIncidents]
    serializer_class = FlagSerializer
    queryset = Flag.objects.none()

    def _assessment(self) -> Assessment:
        """The assessment, once per request: its visibility query is the costly one."""
        if not hasattr(self, "_seen"):
            visible = visible_assessments(self.request.user)
            self._seen = get_object_or_404(visible, pk=self.kwargs["pk"])
        return self._seen

    def get_queryset(self) -> QuerySet[Flag]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        assessment = self._assessment()
        return assessment.flags.select_related("acknowledged_by", "outcome_by").order_by("id")

    @extend_schema(
        summary="Flags of an assessment you may see, with their acknowledgement and outcome",
        parameters=[FORMAT],
        responses={200: FlagSerializer(many=True), **errors(403, 404)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        audit.log_event(event="assessment.flags_read", obj=self._assessment(), actor=request.user)
        return super().list(request, *args, **kwargs)

    def _flag(self) -> Flag:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["flag"])

    @extend_schema(
        summary="Acknowledge a flag for its agency, once: patrol, inquiry, or none with a reason",
        request=AcknowledgeSerializer,
        parameters=[FORMAT],
        responses={200: FlagSerializer, **errors(400, 403, 404, 409)},
    )
    def acknowledge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = AcknowledgeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        flag = services.flag_acknowledge(
            actor=request.user, flag=self._flag(), **form.validated_data
        )
        return Response(FlagSerializer(flag).data)

    @extend_schema(
        summary="Record a flag's outcome where it is not computed (a link, a cell without its "
        "place), once its period is over",
        request=OutcomeSerializer,
        parameters=[FORMAT],
        responses={200: FlagSerializer, **errors(400, 403, 404, 409)},
    )
    def outcome(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = OutcomeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        flag = services.flag_outcome_record(
            actor=request.user, flag=self._flag(), **form.validated_data
        )
        return Response(FlagSerializer(flag).data)


class FlagKPIView(JSONErrors, FusionAPIView):
    """KPIs of an agency's flags per week or month (analytics.kpis)."""

    permission_classes = [ReadsIncidents]

    @extend_schema(
        summary="KPIs of your agency's flags per period: acknowledged share, hours to "
        "acknowledge, false-positive rate by method and district, forecast hit rate; and the "
        "time to insight (request to approval) of its results approved in the period",
        parameters=[
            OpenApiParameter("period", str, enum=list(KPI_PERIODS), description="Default month."),
            OpenApiParameter(
                "periods",
                int,
                description=f"How many, the current last (1 to {MAX_KPI_PERIODS}, default 6).",
            ),
            OpenApiParameter("agency", str, description="Needed only by a member of several."),
            FORMAT,
        ],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        period = query_choice(request, "period", KPI_PERIODS) or "month"
        count = int(query_choice(request, "periods", PERIOD_COUNTS) or "6")  # ASCII digits
        agency = acting_agency(
            request.user, request.query_params.get("agency"), services.FLAG_ROLES, "read flag KPIs"
        )
        flags = Flag.objects.filter(
            agency=agency,
            assessment__status=Status.APPROVED,
            assessment__in=visible_assessments(request.user).order_by().values("pk"),
        )
        approved = visible_assessments(request.user).filter(agency=agency, status=Status.APPROVED)
        rows = kpis_by_period(flags, approved, period=period, count=count, now=timezone.now())
        return Response({"agency": agency.code, "period": period, "periods": rows})
