"""Routes of the incidents API and of the exchange (export and import)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api.exchange_views import ExportView, ImportView
from incidents.api.views import IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
urlpatterns = [
    path("export/", ExportView.as_view(), name="export"),
    path("import/", ImportView.as_view(), name="import"),
    *router.urls,
]
