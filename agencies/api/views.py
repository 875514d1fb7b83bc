"""Users, agencies, members, service accounts and token issue."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from agencies import lockout, second_factor, services
from agencies.api.authentication import EnrolmentTokenAuthentication
from agencies.api.permissions import IsPlatformAdmin
from agencies.api.serializers import (
    AgencyInputSerializer,
    AgencyOutputSerializer,
    MemberInputSerializer,
    MemberOutputSerializer,
    OtpCodeInputSerializer,
    OtpEnrolmentOutputSerializer,
    RecoveryCodesOutputSerializer,
    ServiceAccountCreatedSerializer,
    ServiceAccountInputSerializer,
    ServiceAccountOutputSerializer,
    ServiceTokenCreatedSerializer,
    ServiceTokenOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UserInputSerializer,
    UserOutputSerializer,
    UserUpdateSerializer,
)
from agencies.models import Agency, Membership, ServiceAccount, User
from agencies.permissions import can_manage_agency
from agencies.selectors import service_account_tokens, user_by_username
from fusion import audit
from fusion.api.base import FusionAPIView, FusionGenericViewSet
from fusion.api.schema import errors
from fusion.api.throttling import ScopedRateThrottle
from fusion.errors import NotAllowed


class TokenView(FusionAPIView):
    """Exchange a username and password (and a second factor's code where one is needed) for
    an API token (hashed at rest, expiring). Failed logins count towards the username's
    lockout (agencies.lockout) and the address's throttle."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Issue an API token",
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer, **errors(400, 401, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request: axes marks it, and its middleware reads the mark.
        issued = services.token_issue(request=request._request, **serializer.validated_data)
        if isinstance(issued, services.TokenRefused):
            return _token_refused(issued, serializer.validated_data["username"])
        user, token, expiry = issued
        audit.log_event(event="auth.token_issued", obj=user, actor=user)
        return Response(TokenOutputSerializer({"token": token, "expiry": expiry}).data)


_OTP_NEEDED = "Give a code from your authenticator app, or a recovery code, as `otp`."
_NOT_ENROLLED = (
    "This account must have a second factor and has none: enrol one with `enrolment_token` "
    "(POST /api/v1/auth/otp/, then /api/v1/auth/otp/confirm/, with the header "
    "`Authorization: Enrolment <token>`; valid 10 minutes), or ask a platform admin."
)


def _token_refused(refused: services.TokenRefused, username: str) -> Response:
    """The answer to a refused token request; failed logins were audited as they failed."""
    if refused.reason == "locked":
        retry = {"Retry-After": str(lockout.retry_after_seconds())}
        return Response({"detail": lockout.MESSAGE}, status=429, headers=retry)
    if refused.reason == "second_factor":
        body = {"detail": "A second factor is needed.", "errors": {"otp": [_OTP_NEEDED]}}
        return Response(body, status=401)
    if refused.reason == "enrol":
        audit.log_refusal(
            event=lockout.TOKEN_REFUSED,
            model=User,
            object_repr=username,
            outcome="failure",
            details={"reason": "second_factor_not_enrolled"},
        )
        body = {
            "detail": "A second factor is required; enrol one first.",
            "errors": {"otp": [_NOT_ENROLLED]},
            "enrolment_token": refused.enrolment_token,
        }
        return Response(body, status=401)
    return Response({"detail": "Invalid credentials."}, status=401)


class _OtpView(FusionAPIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def _new_recovery_codes(self, request: Request, service: Any) -> Response:
        """A code checked by `service`, which answers with recovery codes (shown once)."""
        serializer = OtpCodeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes = service(actor=request.user, **serializer.validated_data)
        return Response(RecoveryCodesOutputSerializer({"recovery_codes": codes}).data)


class OtpView(_OtpView):
    """Your second factor: start enrolling an authenticator app, or remove it."""

    authentication_classes = [*FusionAPIView.authentication_classes, EnrolmentTokenAuthentication]

    @extend_schema(
        summary="Start enrolling an authenticator app (its secret is shown once)",
        request=None,
        responses={201: OtpEnrolmentOutputSerializer, **errors(403, 409)},
    )
    def post(self, request: Request) -> Response:
        device = second_factor.totp_enrol_start(actor=request.user)
        body = {"otpauth_uri": device.config_url, "secret": second_factor.secret_of(device)}
        return Response(OtpEnrolmentOutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove your second factor (needs a valid code)",
        request=OtpCodeInputSerializer,
        responses={204: None, **errors(400)},
    )
    def delete(self, request: Request) -> Response:
        serializer = OtpCodeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        second_factor.second_factor_remove(actor=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OtpConfirmView(_OtpView):
    """Confirm the authenticator app with a code from it; returns the recovery codes once."""

    authentication_classes = [*FusionAPIView.authentication_classes, EnrolmentTokenAuthentication]

    @extend_schema(
        summary="Confirm the authenticator app (recovery codes shown once)",
        request=OtpCodeInputSerializer,
        responses={200: RecoveryCodesOutputSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        return self._new_recovery_codes(request, second_factor.totp_confirm)


class RecoveryCodesView(_OtpView):
    """A new set of recovery codes (the old ones stop working); needs a valid code."""

    @extend_schema(
        summary="Replace your recovery codes (shown once)",
        request=OtpCodeInputSerializer,
        responses={200: RecoveryCodesOutputSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        return self._new_recovery_codes(request, second_factor.recovery_codes_renew)


@extend_schema_view(
    list=extend_schema(
        summary="Users (platform admin)",
        responses={200: UserOutputSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(
        summary="One user", responses={200: UserOutputSerializer, **errors(403, 404)}
    ),
    create=extend_schema(
        summary="Create a user (platform admin)",
        request=UserInputSerializer,
        responses={201: UserOutputSerializer, **errors(400, 403, 409)},
    ),
    partial_update=extend_schema(
        summary="Activate or deactivate a user (deactivation revokes tokens)",
        request=UserUpdateSerializer,
        responses={200: UserOutputSerializer, **errors(400, 403, 404)},
    ),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FusionGenericViewSet):
    permission_classes = [IsPlatformAdmin]
    serializer_class = UserOutputSerializer
    queryset = User.objects.order_by("id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        serializer = UserInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **serializer.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_set_active(
            actor=request.user, user=user, is_active=serializer.validated_data["is_active"]
        )
        return Response(UserOutputSerializer(user).data)


@extend_schema_view(
    list=extend_schema(
        summary="All agencies", responses={200: AgencyOutputSerializer(many=True), **errors()}
    ),
    retrieve=extend_schema(
        summary="One agency", responses={200: AgencyOutputSerializer, **errors(404)}
    ),
    create=extend_schema(
        summary="Create an agency (platform admin)",
        request=AgencyInputSerializer,
        responses={201: AgencyOutputSerializer, **errors(400, 403, 409)},
    ),
)
class AgencyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FusionGenericViewSet):
    serializer_class = AgencyOutputSerializer
    queryset = Agency.objects.order_by("code")
    lookup_field = "code"

    def create(self, request: Request) -> Response:
        serializer = AgencyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agency = services.agency_create(actor=request.user, **serializer.validated_data)
        return Response(AgencyOutputSerializer(agency).data, status=status.HTTP_201_CREATED)


class _AgencyScoped(FusionGenericViewSet):
    """Resources under /agencies/{code}/: only that agency's admins and platform admins."""

    def agency(self) -> Agency:
        if not hasattr(self, "_agency"):
            self._agency = get_object_or_404(Agency, code=self.kwargs["agency_code"])
            if not can_manage_agency(self.request.user, self._agency):
                raise NotAllowed("Only this agency's admins or a platform admin may do this.")
        return self._agency


@extend_schema_view(
    list=extend_schema(
        summary="Members of an agency",
        responses={200: MemberOutputSerializer(many=True), **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Add a member with a role (agency admins: only users of no agency)",
        request=MemberInputSerializer,
        responses={201: MemberOutputSerializer, **errors(400, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Remove a member (ends their tokens and sessions that acted for this agency)",
        responses={204: None, **errors(403, 404)},
    ),
)
class MemberViewSet(mixins.ListModelMixin, _AgencyScoped):
    serializer_class = MemberOutputSerializer
    queryset = Membership.objects.none()  # schema introspection; get_queryset decides

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            Membership.objects.filter(agency=self.agency(), user__service_account__isnull=True)
            .select_related("user")
            .order_by("id")
        )

    def create(self, request: Request, agency_code: str) -> Response:
        serializer = MemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agency = self.agency()
        membership = services.member_add(
            actor=request.user,
            agency=agency,
            user=user_by_username(serializer.validated_data["username"]),
            role=serializer.validated_data["role"],
        )
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, agency_code: str, pk: str) -> Response:
        services.member_remove(actor=request.user, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Service accounts of an agency",
        responses={200: ServiceAccountOutputSerializer(many=True), **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Create a service account; its token is shown once",
        request=ServiceAccountInputSerializer,
        responses={201: ServiceAccountCreatedSerializer, **errors(400, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Deactivate a service account (revokes its tokens)",
        responses={204: None, **errors(403, 404)},
    ),
    tokens=extend_schema(
        summary="List a service account's live tokens (no secrets), or issue another (shown "
        "once; at most two live)",
        request=None,
        responses={
            200: ServiceTokenOutputSerializer(many=True),
            201: ServiceTokenCreatedSerializer,
            **errors(400, 403, 404, 409),
        },
    ),
    token=extend_schema(
        summary="Revoke one token of a service account, named by its prefix",
        parameters=[
            OpenApiParameter("prefix", str, OpenApiParameter.PATH, description="Token prefix.")
        ],
        responses={204: None, **errors(403, 404)},
    ),
)
class ServiceAccountViewSet(mixins.ListModelMixin, _AgencyScoped):
    serializer_class = ServiceAccountOutputSerializer
    queryset = ServiceAccount.objects.none()  # schema introspection; get_queryset decides

    def get_queryset(self) -> QuerySet[ServiceAccount]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return ServiceAccount.objects.filter(agency=self.agency()).select_related("user")

    def create(self, request: Request, agency_code: str) -> Response:
        serializer = ServiceAccountInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account, token = services.service_account_create(
            actor=request.user, agency=self.agency(), **serializer.validated_data
        )
        body = {"id": account.pk, "name": account.name, "scopes": account.scopes, "token": token}
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], url_path="tokens")
    def tokens(self, request: Request, agency_code: str, pk: str) -> Response:
        account = self.get_object()
        if request.method == "GET":
            rows = service_account_tokens(account)
            return Response(ServiceTokenOutputSerializer(rows, many=True).data)
        made, token = services.service_token_issue(actor=request.user, account=account)
        body = {"prefix": made.token_key, "expiry": made.expiry, "token": token}
        return Response(ServiceTokenCreatedSerializer(body).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["delete"], url_path=r"tokens/(?P<prefix>[^/.]+)")
    def token(self, request: Request, agency_code: str, pk: str, prefix: str) -> Response:
        account = self.get_object()
        token = get_object_or_404(service_account_tokens(account), token_key=prefix)
        services.service_token_revoke(actor=request.user, account=account, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def destroy(self, request: Request, agency_code: str, pk: str) -> Response:
        services.service_account_deactivate(actor=request.user, account=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
