"""Routes of the fusion app's API: audit, shares, agreements, matches, requests, search."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from fusion.api.audit_views import AuditViewSet
from fusion.api.sharing_views import (
    AccessRequestViewSet,
    IncidentShareViewSet,
    MatchViewSet,
    PersonSearchView,
    SharingAgreementViewSet,
)

router = SimpleRouter()
router.register("audit", AuditViewSet, basename="audit")
router.register(r"incidents/(?P<incident_id>[^/.]+)/shares", IncidentShareViewSet, basename="share")
router.register("sharing-agreements", SharingAgreementViewSet, basename="sharing-agreement")
router.register("matches", MatchViewSet, basename="match")
router.register("access-requests", AccessRequestViewSet, basename="access-request")

urlpatterns = [
    path("persons/search/", PersonSearchView.as_view(), name="persons-search"),
    *router.urls,
]
