"""Routes of the fusion app's API."""

from rest_framework.routers import SimpleRouter

from fusion.api.audit_views import AuditViewSet

router = SimpleRouter()
router.register("audit", AuditViewSet, basename="audit")
urlpatterns = router.urls
