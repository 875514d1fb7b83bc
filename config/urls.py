"""URL configuration: the v1 API, its schema and docs, health probes and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from agencies.admin_site import FusionAdminSite
from fusion.api.health_views import healthz, readyz

# The admin asks for the second factor (django-otp's documented way to swap the default site).
admin.site.__class__ = FusionAdminSite

api_v1 = [
    path("", include("agencies.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("fusion.urls")),
    path("", include("analytics.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

handler400 = "fusion.api.errors.json_400"
handler403 = "fusion.api.errors.json_403"
handler404 = "fusion.api.errors.json_404"
handler500 = "fusion.api.errors.json_500"
