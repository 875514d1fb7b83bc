"""Assessments: request (202), list, read (JSON or GeoJSON), review; and the model cards."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import IsOversight, ReadsIncidents
from analytics import lifecycle, services
from analytics.api import serializers as s
from analytics.choices import Kind, Status
from analytics.models import Assessment
from analytics.registry import METHODS, model_card
from analytics.visibility import visible_assessments
from fusion import audit
from fusion.api.base import FusionAPIView, FusionGenericViewSet
from fusion.api.renderers import GeoJSONRenderer, JSONErrors
from fusion.api.schema import errors
from fusion.errors import Conflict, Invalid, NotFound

FORMAT_PARAM = OpenApiParameter("format", str, enum=["json", "geojson"])
SPATIAL = {Kind.HOTSPOTS, Kind.FORECAST}


def geojson(assessment: Assessment) -> dict[str, Any]:
    """The result's cells as a FeatureCollection, labelled with the inputs' strictest TLP."""
    features = [
        {
            "type": "Feature",
            "id": cell["id"],
            "geometry": cell["geometry"],
            "properties": {k: v for k, v in cell.items() if k != "geometry"},
        }
        for cell in assessment.result.get("cells", [])
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "assessment": str(assessment.pk),
        "kind": assessment.kind,
        "tlp": assessment.tlp,
        "notice": assessment.result.get("notice"),
    }


@extend_schema_view(
    list=extend_schema(
        summary="Assessments you may see",
        description="Without results: read an assessment for its result. GeoJSON is "
        "exported per assessment (`format=geojson` on a list is a 400).",
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("format", str, enum=["json"]),
        ],
        responses={200: s.AssessmentListSerializer(many=True), **errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="One assessment with its result, evidence and bias checks",
        description="`format=geojson`: the cells of an approved hotspots or forecast result "
        "(400 for another kind, 409 before approval).",
        parameters=[FORMAT_PARAM],
        responses={
            (200, "application/json"): s.AssessmentSerializer,
            (200, "application/geo+json"): s.AssessmentFeatureCollectionSerializer,
            **errors(400, 403, 404, 409),
        },
    ),
    create=extend_schema(
        summary="Request an assessment (computed by a worker)",
        request=s.AssessmentRequestSerializer,
        parameters=[OpenApiParameter("format", str, enum=["json"])],
        responses={202: s.AssessmentSerializer, **errors(400, 403, 429)},
    ),
)
class AssessmentViewSet(JSONErrors, mixins.ListModelMixin, FusionGenericViewSet):
    permission_classes = [ReadsIncidents]
    serializer_class = s.AssessmentSerializer
    queryset = Assessment.objects.none()
    renderer_classes = [JSONRenderer, GeoJSONRenderer, BrowsableAPIRenderer]

    def get_queryset(self) -> QuerySet[Assessment]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        rows = visible_assessments(self.request.user).select_related(
            "requester", "agency", "reviewed_by", "standing"
        )
        for name, values in (("status", Status.values), ("kind", Kind.values)):
            wanted = self.request.query_params.get(name)
            if wanted is not None:
                if wanted not in values:
                    raise Invalid(errors={name: [f"Must be one of: {', '.join(values)}."]})
                rows = rows.filter(**{name: wanted})
        return rows.order_by("-created_at", "-id")

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """A 400 naming `format` for what this endpoint does not export (not DRF's 404)."""
        wanted = request.query_params.get("format")
        if not force and wanted is not None:
            allowed = {"json", "api"} | ({"geojson"} if self.action == "retrieve" else set())
            if wanted not in allowed:
                detail = "GeoJSON is exported per assessment." if wanted == "geojson" else ""
                raise Invalid(
                    errors={"format": [detail or f"Must be one of: {', '.join(sorted(allowed))}."]}
                )
        return super().perform_content_negotiation(request, force)

    def get_serializer_class(self) -> type:
        return s.AssessmentListSerializer if self.action == "list" else s.AssessmentSerializer

    def create(self, request: Request) -> Response:
        serializer = s.AssessmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        after, before = data.pop("occurred_after", None), data.pop("occurred_before", None)
        raw = request.data if isinstance(request.data, dict) else {}
        assessment = services.assessment_request(
            actor=request.user, data={**raw, **data}, after=after, before=before
        )
        assessment.refresh_from_db()
        return Response(self.get_serializer(assessment).data, status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request: Request, pk: str) -> Response:
        assessment = get_object_or_404(self.get_queryset(), pk=pk)
        wants_geojson = getattr(request.accepted_renderer, "format", None) == "geojson"
        audit.log_event(
            event="assessment.read",
            obj=assessment,
            details={"format": "geojson" if wants_geojson else "json"},
            actor=request.user,
        )
        if not wants_geojson:
            return Response(self.get_serializer(assessment).data)
        if assessment.kind not in SPATIAL:
            raise Invalid(errors={"format": ["GeoJSON is for hotspots and forecast results."]})
        if assessment.status != Status.APPROVED:
            raise Conflict("Only approved results are exported as GeoJSON.")
        return Response(geojson(assessment))

    @extend_schema(
        summary="Withdraw an approved result, with a rationale (analysts and coordinators of "
        "its agency): it leaves reports and everyone's view but its requester's",
        request=s.WithdrawSerializer,
        parameters=[OpenApiParameter("format", str, enum=["json"])],
        responses={200: s.AssessmentSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._decide(request, pk, s.WithdrawSerializer, services.assessment_withdraw)

    @extend_schema(
        summary="Approve or reject a pending result (not by its requester)",
        request=s.ReviewSerializer,
        parameters=[OpenApiParameter("format", str, enum=["json"])],
        responses={200: s.AssessmentSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        return self._decide(request, pk, s.ReviewSerializer, services.assessment_review)

    def _decide(self, request: Request, pk: str, form: type, service: Any) -> Response:
        """A decision on a visible assessment: its input checked by `form`, made by `service`."""
        assessment = get_object_or_404(self.get_queryset(), pk=pk)
        serializer = form(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = service(actor=request.user, assessment=assessment, **serializer.validated_data)
        return Response(self.get_serializer(decided).data)


class ModelCardsView(FusionAPIView):
    """Model cards of every analytics method: metrics from the latest backtest on reference
    data, and from the latest forecast assessment the caller may see."""

    @extend_schema(summary="Model cards", responses={200: OpenApiTypes.OBJECT, **errors()})
    def get(self, request: Request) -> Response:
        visible = visible_assessments(request.user)
        return Response({"results": [model_card(kind, visible=visible) for kind in METHODS]})


class ModelStatusView(FusionAPIView):
    """Oversight's kill switch: suspend, reactivate or retire the current version of a method,
    with a rationale (analytics.lifecycle)."""

    permission_classes = [IsOversight]

    @extend_schema(
        summary="Set a method's status (oversight): suspended or retired, it takes no requests "
        "and none of its results is approved; retired is final",
        description="Answers with the method's model card, its status history included. The "
        "same status again, any change of a retired version, or a `version` other than the "
        "current one is a 409.",
        request=s.MethodStatusInputSerializer,
        parameters=[OpenApiParameter("format", str, enum=["json"])],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, method: str) -> Response:
        if method not in METHODS:
            raise NotFound()
        serializer = s.MethodStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lifecycle.method_status_change(actor=request.user, method=method, **data)
        return Response(model_card(method, visible=visible_assessments(request.user)))
