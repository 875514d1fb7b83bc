"""URL configuration: the v1 API, its schema and docs, health probes, the admin and the console."""

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
    path("", include("fusion.console.urls")),
]

# JSON under /api/, the console's error page elsewhere.
handler400 = "fusion.console.errors.bad_request"
handler403 = "fusion.console.errors.forbidden"
handler404 = "fusion.console.errors.not_found"
handler500 = "fusion.console.errors.server_error"
