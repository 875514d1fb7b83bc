"""Reports for decision makers: JSON, HTML (`.html` or `?format=html`) and PDF (`.pdf`); asked
for a period (202, built by a worker)."""

from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import ReadsIncidents
from analytics.choices import ReportStatus
from analytics.models import Report
from analytics.report_requests import MAX_PERIOD_DAYS, report_request
from analytics.reports import report_content
from analytics.visibility import visible_reports
from fusion import audit
from fusion.api.base import FusionGenericViewSet
from fusion.api.renderers import DocumentRenderer, JSONErrors
from fusion.api.schema import errors
from fusion.api.serializers import StrictInputSerializer
from fusion.errors import Invalid, NotFound, Unavailable


class HTMLRenderer(DocumentRenderer):
    media_type, format, charset = "text/html", "html", "utf-8"


class PDFRenderer(DocumentRenderer):
    media_type, format, charset = "application/pdf", "pdf", None


class ReportListSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code")
    assessments = serializers.IntegerField(source="assessment_count")
    status = serializers.ChoiceField(
        choices=ReportStatus.choices,
        help_text="Where its build is: a report made on the schedule is ready when made; one "
        "asked for is queued, then running, then ready (or failed, with `error`).",
    )
    requested_by = serializers.CharField(
        source="requested_by.username", allow_null=True, help_text="Null: made on the schedule."
    )

    class Meta:
        model = Report
        fields = (
            "id", "agency", "period_start", "period_end", "created_at", "assessments",
            "status", "error", "requested_by", "finished_at",
        )  # fmt: skip


class ReportRequestSerializer(StrictInputSerializer):
    agency = serializers.CharField(
        required=False,
        help_text="Code of the agency the report is for: needed only by a member of several.",
    )
    period_start = serializers.DateField(help_text="First day of the period (UTC).")
    period_end = serializers.DateField(
        help_text="Day after the last day of the period (excluded): after period_start, at most "
        f"{MAX_PERIOD_DAYS} days after it, and at most tomorrow's date (the period ends by the "
        "end of today)."
    )


@extend_schema_view(
    list=extend_schema(
        summary="Reports you may read (every assessment they show is visible to you)",
        responses={200: ReportListSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(
        summary="One report: JSON, or .html / .pdf with maps and trends; every page labelled",
        parameters=[
            OpenApiParameter(
                "lang",
                str,
                enum=["en", "ur"],
                description="Language of the HTML and PDF (default en; ur is right to left).",
            )
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **errors(400, 403, 404, 503),
        },
    ),
)
@extend_schema_view(
    create=extend_schema(
        summary="Ask for the report of a period (analysts and coordinators, for their agency): "
        "202 queued for a worker; 200 with the period's existing report",
        description="One report per agency and period: asking again answers the existing one "
        "(200), whether made weekly or asked for before, unless its build failed (queued "
        "again, 202). Reading it follows the same rules as any report: a period whose report "
        "shows a result you may not see answers 404.",
        request=ReportRequestSerializer,
        parameters=[OpenApiParameter("format", str, enum=["json"])],
        responses={
            200: ReportListSerializer,
            202: ReportListSerializer,
            **errors(400, 403, 404),
        },
    ),
)
class ReportViewSet(
    JSONErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin, FusionGenericViewSet
):
    permission_classes = [ReadsIncidents]
    serializer_class = ReportListSerializer
    renderer_classes = [JSONRenderer, HTMLRenderer, PDFRenderer]
    queryset = Report.objects.none()  # schema introspection; get_queryset decides

    def get_queryset(self) -> QuerySet[Report]:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return (
            visible_reports(self.request.user)
            .select_related("agency", "requested_by")
            .annotate(assessment_count=Count("assessments"))
            .order_by("-period_start", "agency_id", "pk")  # Meta.ordering is dropped by GROUP BY
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        request.accepted_renderer = JSONRenderer()  # a list is data, whatever was asked
        request.accepted_media_type = JSONRenderer.media_type
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
        form = ReportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        report, queued = report_request(
            actor=request.user,
            start=data["period_start"],
            end=data["period_end"],
            agency=data.get("agency"),
        )
        # the period's report as any read of it: one that shows a result hidden from the
        # caller is not theirs to see, asked for or not
        shown = self.get_queryset().filter(pk=report.pk).first()
        if shown is None:
            raise NotFound("The report of this period shows results you may not see.")
        return Response(
            ReportListSerializer(shown).data,
            status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK,
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        language = _language(request)
        report = self.get_object()
        # what is new or ended is read against the previous period's report the reader may see
        content = report_content(report, reader=request.user)
        fmt = request.accepted_renderer.format
        audit.log_event(event="report.read", obj=report, details={"format": fmt})
        headers = {"TLP": content["tlp"], "Content-Language": language}
        # the charts' libraries are loaded by the first document asked for, not by every
        # process that loads the URLconf
        from analytics.report_pdf import PdfError
        from analytics.report_render import render_html, render_pdf

        if fmt == "html":
            return HttpResponse(
                render_html(content, language),
                content_type="text/html; charset=utf-8",
                headers=headers,
            )
        if fmt == "pdf":
            try:
                document = render_pdf(content, language)
            except PdfError as exc:
                raise Unavailable(f"The PDF could not be made: {exc}") from exc
            disposition = f'attachment; filename="fusion-report-{report.pk}.pdf"'
            return HttpResponse(
                document,
                content_type="application/pdf",
                headers={**headers, "Content-Disposition": disposition},
            )
        return Response(content, headers=headers)


def _language(request: Request) -> str:
    """`lang`: the language of an HTML or PDF report's words (en, the default, or ur)."""
    values = request.query_params.getlist("lang")
    known = dict(settings.LANGUAGES)
    if not values:
        return "en"
    if len(values) > 1 or values[0] not in known:
        raise Invalid("Unknown report language.", errors={"lang": [f"One of: {', '.join(known)}."]})
    return values[0]
