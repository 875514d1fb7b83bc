"""Reports for decision makers: JSON, HTML (`.html` or `?format=html`) and PDF (`.pdf`)."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import ReadsIncidents
from analytics.models import Report
from analytics.reports import report_content
from analytics.visibility import visible_reports
from fusion import audit
from fusion.api.base import FusionGenericViewSet
from fusion.api.renderers import DocumentRenderer, JSONErrors
from fusion.api.schema import errors


class HTMLRenderer(DocumentRenderer):
    media_type, format, charset = "text/html", "html", "utf-8"


class PDFRenderer(DocumentRenderer):
    media_type, format, charset = "application/pdf", "pdf", None


class ReportListSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code")
    assessments = serializers.IntegerField(source="assessment_count")

    class Meta:
        model = Report
        fields = ("id", "agency", "period_start", "period_end", "created_at", "assessments")


@extend_schema_view(
    list=extend_schema(
        summary="Reports you may read (every assessment they show is visible to you)",
        responses={200: ReportListSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(
        summary="One report: JSON, or .html / .pdf with maps and trends; every page labelled",
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **errors(403, 404),
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
            .select_related("agency")
            .annotate(assessment_count=Count("assessments"))
            .order_by("-period_start", "agency_id", "pk")  # Meta.ordering is dropped by GROUP BY
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        request.accepted_renderer = JSONRenderer()  # a list is data, whatever was asked
        request.accepted_media_type = JSONRenderer.media_type
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        report = self.get_object()
        content = report_content(report)
        fmt = request.accepted_renderer.format
        audit.log_event(event="report.read", obj=report, details={"format": fmt})
        headers = {"TLP": content["tlp"]}
        # matplotlib (~0.5 s to import) is loaded by the first document asked for, not by every
        # process that loads the URLconf
        from analytics.report_render import render_html, render_pdf

        if fmt == "html":
            return HttpResponse(
                render_html(content), content_type="text/html; charset=utf-8", headers=headers
            )
        if fmt == "pdf":
            disposition = f'attachment; filename="fusion-report-{report.pk}.pdf"'
            return HttpResponse(
                render_pdf(content),
                content_type="application/pdf",
                headers={**headers, "Content-Disposition": disposition},
            )
        return Response(content, headers=headers)
