"""Routes of the fusion app's API: audit, assessment records for oversight, shares, agreements,
matches, requests, search, purpose codes, complaints and transparency."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from fusion.oversight.api.assessments import OversightAssessmentViewSet
from fusion.oversight.api.audit import AuditViewSet
from fusion.oversight.api.notifications import NotificationsView
from fusion.oversight.api.public import ComplaintStatusView, ComplaintViewSet, TransparencyView
from fusion.retention.api.views import (
    LegalHoldViewSet,
    RetentionPolicyViewSet,
    RetentionRunViewSet,
)
from fusion.sharing.api.purposes import PurposeCodeListView
from fusion.sharing.api.views import (
    AccessRequestViewSet,
    IncidentShareViewSet,
    MatchViewSet,
    PersonSearchView,
    SharingAgreementViewSet,
)

router = SimpleRouter()
router.register("audit", AuditViewSet, basename="audit")
router.register(
    r"agencies/(?P<agency_code>[-\w]+)/retention", RetentionPolicyViewSet, basename="retention"
)
router.register(
    r"agencies/(?P<agency_code>[-\w]+)/retention-runs",
    RetentionRunViewSet,
    basename="retention-run",
)
router.register(
    r"agencies/(?P<agency_code>[-\w]+)/legal-holds", LegalHoldViewSet, basename="legal-hold"
)
router.register(r"incidents/(?P<incident_id>[^/.]+)/shares", IncidentShareViewSet, basename="share")
router.register("sharing-agreements", SharingAgreementViewSet, basename="sharing-agreement")
router.register("matches", MatchViewSet, basename="match")
router.register("access-requests", AccessRequestViewSet, basename="access-request")
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register(
    "oversight/assessments", OversightAssessmentViewSet, basename="oversight-assessment"
)

urlpatterns = [
    path("persons/search/", PersonSearchView.as_view(), name="persons-search"),
    path("purposes/", PurposeCodeListView.as_view(), name="purposes"),
    path("transparency/", TransparencyView.as_view(), name="transparency"),
    path("notifications/", NotificationsView.as_view(), name="notifications"),
    path("complaints/status/", ComplaintStatusView.as_view(), name="complaint-status"),
    *router.urls,
]
