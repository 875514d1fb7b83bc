"""Routes of users, agencies, members, service accounts and tokens."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from agencies.api.views import (
    AgencyViewSet,
    MemberViewSet,
    OtpConfirmView,
    OtpView,
    RecoveryCodesView,
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

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/otp/", OtpView.as_view(), name="auth-otp"),
    path("auth/otp/confirm/", OtpConfirmView.as_view(), name="auth-otp-confirm"),
    path("auth/otp/recovery-codes/", RecoveryCodesView.as_view(), name="auth-otp-recovery-codes"),
    *router.urls,
]
