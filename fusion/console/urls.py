"""The console's routes, at the root of the service (the API is under /api/v1/)."""

from django.urls import path

from fusion.console import (
    assessment_pages,
    enrolment,
    home,
    inbox_pages,
    incident_pages,
    language,
    oversight_pages,
    sharing_pages,
    sign_in,
)

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/enrol/", enrolment.enrol, name="enrol"),
    path("sign-out/", sign_in.sign_out, name="sign-out"),
    path("language/", language.set_language, name="language"),
    *incident_pages.urlpatterns,
    *inbox_pages.urlpatterns,
    *sharing_pages.urlpatterns,
    *assessment_pages.urlpatterns,
    *oversight_pages.urlpatterns,
]
