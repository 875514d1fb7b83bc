"""Routes of users, agencies, members, service accounts and tokens."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from agencies.api.views import (
    AgencyViewSet,
    MemberViewSet,
    ServiceAccountViewSet,
    TokenView,
    UserViewSet,
)

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("agencies", AgencyViewSet, basename="agency")
router.register(r"agencies/(?P<agency_code>[-\w]+)/members", MemberViewSet, basename="member")
router.register(
    r"agencies/(?P<agency_code>[-\w]+)/service-accounts",
    ServiceAccountViewSet,
    basename="service-account",
)

urlpatterns = [path("auth/token/", TokenView.as_view(), name="auth-token"), *router.urls]
