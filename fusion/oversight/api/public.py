"""Public oversight routes: complaints (anyone files one; oversight and platform admins handle
them) and the transparency statistics."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import HandlesComplaints
from fusion import audit
from fusion.api.base import FusionAPIView, FusionGenericViewSet
from fusion.api.schema import errors
from fusion.api.serializers import StrictInputSerializer
from fusion.choices import ComplaintAbout, ComplaintStatus
from fusion.models import Complaint
from fusion.oversight.complaints import (
    complaint_advance,
    complaint_file,
    complaint_respond,
    complaint_with_secret,
    is_overdue,
)
from fusion.oversight.transparency import statistics


class ComplaintInputSerializer(StrictInputSerializer):
    subject = serializers.CharField(max_length=200)
    details = serializers.CharField(max_length=10000)
    contact = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="How to reach you; optional."
    )
    about = serializers.ChoiceField(choices=ComplaintAbout.choices, default="other")


class ComplaintReceiptSerializer(serializers.ModelSerializer):
    secret = serializers.SerializerMethodField(
        help_text="Shown once, never stored: with the reference, it reads the complaint's "
        "status at POST complaints/status/."
    )

    class Meta:
        model = Complaint
        fields = ("reference", "secret", "about", "status", "received_at", "due_at")

    def get_secret(self, complaint: Complaint) -> str:
        return self.context["secret"]


class ComplaintStatusInputSerializer(StrictInputSerializer):
    reference = serializers.CharField(max_length=20)
    secret = serializers.CharField(max_length=200, trim_whitespace=True)


class ComplaintStatusSerializer(serializers.ModelSerializer):
    """What the complainant may read: never what they wrote, oversight's resolution or who
    handles it."""

    public_response = serializers.SerializerMethodField(
        help_text="Oversight's answer to the complainant; null until it gives one."
    )

    class Meta:
        model = Complaint
        fields = (
            "reference", "status", "decision", "received_at", "updated_at", "due_at",
            "decided_at", "public_response",
        )  # fmt: skip

    def get_public_response(self, complaint: Complaint) -> str | None:
        return complaint.public_response or None


class ComplaintSerializer(serializers.ModelSerializer):
    handled_by = serializers.CharField(source="handled_by.username", default=None, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = (
            "reference", "about", "subject", "details", "contact", "status", "received_at",
            "due_at", "overdue", "decision", "decided_at", "resolution", "public_response",
            "handled_by",
        )  # fmt: skip

    def get_overdue(self, complaint: Complaint) -> bool:
        return is_overdue(complaint)


class ComplaintUpdateSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(choices=ComplaintStatus.choices, required=False)
    resolution = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, help_text="Internal to oversight."
    )
    public_response = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        help_text="What the complainant reads at POST complaints/status/.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "status" not in data and "public_response" not in data:
            raise serializers.ValidationError(
                {"status": ["Give a status, a public_response or both."]}
            )
        if "resolution" in data and "status" not in data:
            raise serializers.ValidationError({"resolution": ["Given with a status only."]})
        return data


@extend_schema_view(
    create=extend_schema(
        summary="File a complaint (no account needed); answers with its reference and a "
        "secret shown once",
        request=ComplaintInputSerializer,
        responses={201: ComplaintReceiptSerializer, **errors(400, 429)},
    ),
    list=extend_schema(
        summary="Complaints (oversight, platform admin); reading them is logged",
        responses={200: ComplaintSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(
        summary="One complaint by reference; logged",
        responses={200: ComplaintSerializer, **errors(403, 404)},
    ),
    partial_update=extend_schema(
        summary="Move a complaint on: under_review, then upheld or rejected (with a "
        "resolution), then closed; and/or set the public_response its complainant reads",
        request=ComplaintUpdateSerializer,
        responses={200: ComplaintSerializer, **errors(400, 403, 404, 409)},
    ),
)
class ComplaintViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    FusionGenericViewSet,
):
    serializer_class = ComplaintSerializer
    lookup_field = "reference"
    http_method_names = ["get", "post", "patch", "head", "options"]
    throttle_scope = "complaints"

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.action == "create" else [HandlesComplaints()]

    def get_throttles(self) -> list[Any]:
        # Only filing is rate-limited by address; handling is ordinary authenticated work.
        return super().get_throttles() if self.action == "create" else []

    def get_queryset(self) -> QuerySet[Complaint]:
        queryset = Complaint.objects.select_related("handled_by")
        wanted = self.request.query_params.get("status")
        return queryset.filter(status=wanted) if wanted else queryset

    def create(self, request: Request) -> Response:
        data = ComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint, secret = complaint_file(**data.validated_data)
        body = ComplaintReceiptSerializer(complaint, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def list(self, request: Request) -> Response:
        response = super().list(request)
        audit.log_event(event="complaints.read", model=Complaint, object_repr="complaints")
        return response

    def retrieve(self, request: Request, reference: str) -> Response:
        complaint = self.get_object()
        audit.log_event(event="complaint.read", obj=complaint)
        return Response(ComplaintSerializer(complaint).data)

    def partial_update(self, request: Request, reference: str) -> Response:
        complaint = self.get_object()
        data = ComplaintUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        response = changes.pop("public_response", None)
        with transaction.atomic():
            if "status" in changes:
                complaint = complaint_advance(actor=request.user, complaint=complaint, **changes)
            if response is not None:
                complaint = complaint_respond(
                    actor=request.user, complaint=complaint, text=response
                )
        return Response(ComplaintSerializer(complaint).data)


class ComplaintStatusView(FusionAPIView):
    """A complainant reads their complaint's status with its reference and secret; no account
    needed. Throttled per address with the filing of complaints (one budget)."""

    permission_classes = [AllowAny]
    throttle_scope = "complaints"

    @extend_schema(
        summary="Your complaint's status, by its reference and secret (no account needed)",
        description="A wrong reference and a wrong secret answer the same 404.",
        request=ComplaintStatusInputSerializer,
        responses={200: ComplaintStatusSerializer, **errors(400, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        data = ComplaintStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_with_secret(**data.validated_data)
        return Response(ComplaintStatusSerializer(complaint).data)


class TransparencyView(FusionAPIView):
    """Public aggregates under disclosure control (fusion.oversight.transparency); no account
    needed."""

    permission_classes = [AllowAny]
    throttle_scope = "transparency"

    @extend_schema(
        summary="Public statistics: monthly counts, small cells suppressed; model metrics",
        responses={200: OpenApiTypes.OBJECT, **errors(429)},
    )
    def get(self, request: Request) -> Response:
        return Response(statistics())
