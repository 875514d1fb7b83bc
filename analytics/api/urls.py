"""Routes of the analytics API: assessments, model cards and reports."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api.report_views import ReportViewSet
from analytics.api.views import AssessmentViewSet, ModelCardsView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("reports", ReportViewSet, basename="report")

urlpatterns = [
    path("models/", ModelCardsView.as_view(), name="model-cards"),
    # /reports/{id}.html and .pdf, as well as /reports/{id}/?format=html|pdf
    path(
        "reports/<uuid:pk>.<str:format>",
        ReportViewSet.as_view({"get": "retrieve"}),
        name="report-document",
    ),
    *router.urls,
]
