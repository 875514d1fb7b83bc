"""Routes of the analytics API: assessments, model cards and reports."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api.flag_views import FlagKPIView, FlagViewSet
from analytics.api.report_views import ReportViewSet
from analytics.api.views import AssessmentViewSet, ModelCardsView, ModelStatusView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("reports", ReportViewSet, basename="report")

urlpatterns = [
    path(
        "assessments/<uuid:pk>/flags/",
        FlagViewSet.as_view({"get": "list"}),
        name="assessment-flag-list",
    ),
    path(
        "assessments/<uuid:pk>/flags/<int:flag>/acknowledge/",
        FlagViewSet.as_view({"post": "acknowledge"}),
        name="assessment-flag-acknowledge",
    ),
    path(
        "assessments/<uuid:pk>/flags/<int:flag>/outcome/",
        FlagViewSet.as_view({"post": "outcome"}),
        name="assessment-flag-outcome",
    ),
    path("kpis/", FlagKPIView.as_view(), name="flag-kpis"),
    path("models/", ModelCardsView.as_view(), name="model-cards"),
    path("models/<str:method>/status/", ModelStatusView.as_view(), name="model-status"),
    # /reports/{id}.html and .pdf, as well as /reports/{id}/?format=html|pdf
    path(
        "reports/<uuid:pk>.<str:format>",
        ReportViewSet.as_view({"get": "retrieve"}),
        name="report-document",
    ),
    *router.urls,
]
