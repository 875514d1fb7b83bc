"""Routes of the analytics API: assessments and model cards."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api.views import AssessmentViewSet, ModelCardsView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("models/", ModelCardsView.as_view(), name="model-cards"),
    *router.urls,
]
