"""Routes of the incidents API."""

from rest_framework.routers import SimpleRouter

from incidents.api.views import IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
urlpatterns = router.urls
