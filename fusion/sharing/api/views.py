"""Shares of an incident, sharing agreements, matches, access requests and person search."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.acting import acting_agency
from agencies.api.permissions import ReadsIncidents
from agencies.choices import Role
from agencies.selectors import agency_ids_with_role
from fusion.api.base import FusionAPIView, FusionGenericViewSet
from fusion.api.purpose_params import PURPOSE_PARAMS, purpose_param
from fusion.api.query_flags import query_choice, query_flag
from fusion.api.schema import errors
from fusion.choices import RequestStatus
from fusion.errors import NotAllowed
from fusion.models import AccessRequest, Match, ShareGrant, SharingAgreement
from fusion.purpose import purpose_from_query
from fusion.sharing import access_requests, agreements
from fusion.sharing import shares as sharing
from fusion.sharing.api import serializers as s
from fusion.sharing.match_hints import sides
from fusion.sharing.person_search import persons_search
from fusion.sharing.visibility import reader_agency_ids, visible_hints, visible_incidents
from incidents.models import Incident
from incidents.selectors import active_category_slugs, log_refused_access

DRY_RUN = OpenApiParameter(
    "dry_run",
    bool,
    description="Answer who would gain or lose access; save nothing. The request is checked "
    "as if it were made: what it would refuse (400, 403, 409) the preview refuses alike.",
)


def _dry_run(request: Request) -> bool:
    return query_flag(request, "dry_run")


AGREEMENT_OR_PREVIEW = PolymorphicProxySerializer(
    component_name="AgreementOrPreview",
    serializers=[s.AgreementOutputSerializer, s.AgreementPreviewSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(
        summary="Shares of an incident (owner's admins)",
        responses={200: s.ShareOutputSerializer(many=True), **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Share an incident (409 while an explicit share with that recipient is live)",
        request=s.ShareInputSerializer,
        responses={201: s.ShareOutputSerializer, **errors(400, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Revoke a share (effective immediately)", responses={204: None, **errors(403, 404)}
    ),
)
class IncidentShareViewSet(mixins.ListModelMixin, FusionGenericViewSet):
    permission_classes = [ReadsIncidents]
    serializer_class = s.ShareOutputSerializer
    queryset = ShareGrant.objects.none()

    def incident(self) -> Incident:
        """The incident, visible to the caller (else 404); only its owner's admins go on (403)."""
        if not hasattr(self, "_incident"):
            rows = visible_incidents(self.request.user).select_related("agency")
            try:
                found = rows.filter(pk=self.kwargs["incident_id"]).first()
            except (TypeError, ValueError, ValidationError):  # not an id at all
                raise Http404 from None
            if found is None:
                # asked for an incident one may not see: logged and notified as a read is
                log_refused_access(
                    self.request.user, self.request.method, self.kwargs["incident_id"]
                )
                raise Http404
            self._incident = found
            if not sharing.can_share(self.request.user, self._incident):
                raise NotAllowed("Only the owning agency's admins see and manage its shares.")
        return self._incident

    def get_queryset(self) -> QuerySet[ShareGrant]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return ShareGrant.objects.filter(incident=self.incident()).select_related(
            "agency", "user", "granted_by"
        )

    def create(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        serializer = s.ShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = sharing.share_grant(
            actor=request.user, incident=incident, **serializer.validated_data
        )
        return Response(s.ShareOutputSerializer(grant).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, incident_id: str, pk: str) -> Response:
        sharing.share_revoke(actor=request.user, share=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Sharing agreements of your agencies (admins)",
        responses={200: s.AgreementOutputSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(
        summary="One sharing agreement",
        responses={200: s.AgreementOutputSerializer, **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Create an agreement (or preview it with dry_run)",
        description=(
            "201 with the new agreement, its `apply_state` `queued` until a worker has shared "
            "what it covers. Safe to retry: a POST repeating an agreement the owner has (same "
            "recipient, categories, severity_min, districts, level, purpose, active) answers "
            "200 with that agreement and changes nothing; one with the same coverage but "
            "another purpose or state answers 409. With dry_run, 200 with the preview."
        ),
        parameters=[DRY_RUN],
        request=s.AgreementInputSerializer,
        responses={
            201: s.AgreementOutputSerializer,
            200: AGREEMENT_OR_PREVIEW,
            **errors(400, 403, 409),
        },
    ),
    partial_update=extend_schema(
        summary="Change an agreement (or preview with dry_run)",
        parameters=[DRY_RUN],
        description="With dry_run, 200 with the preview and nothing changed.",
        request=s.AgreementUpdateSerializer,
        responses={200: AGREEMENT_OR_PREVIEW, **errors(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete an agreement, withdrawing its shares (or preview with dry_run)",
        parameters=[DRY_RUN],
        responses={204: None, 200: s.AgreementPreviewSerializer, **errors(403, 404)},
    ),
)
class SharingAgreementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, FusionGenericViewSet
):
    takes_dry_run = True
    permission_classes = [ReadsIncidents]
    serializer_class = s.AgreementOutputSerializer
    queryset = SharingAgreement.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[SharingAgreement]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        admin_of = agency_ids_with_role(self.request.user, [Role.AGENCY_ADMIN])
        return SharingAgreement.objects.filter(owner_id__in=admin_of).select_related(
            "owner", "recipient"
        )

    def _input(self, serializer_class: type, partial: bool = False) -> dict[str, Any]:
        context = {"category_slugs": active_category_slugs()}
        serializer = serializer_class(data=self.request.data, partial=partial, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request) -> Response:
        data = self._input(s.AgreementInputSerializer)
        owner_agency = data.pop("agency", None)
        owner = acting_agency(
            request.user,
            owner_agency and owner_agency.code,
            [Role.AGENCY_ADMIN],
            "manage sharing agreements",
        )
        if _dry_run(request):
            preview = agreements.agreement_preview(actor=request.user, owner=owner, data=data)
            return Response(s.AgreementPreviewSerializer(preview).data)
        made, created = agreements.agreement_submit(actor=request.user, owner=owner, data=data)
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.AgreementOutputSerializer(made).data, status=answer)

    def partial_update(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        changes = self._input(s.AgreementUpdateSerializer, partial=True)
        if _dry_run(request):
            preview = agreements.agreement_preview(
                actor=request.user, owner=agreement.owner, data=changes, current=agreement
            )
            return Response(s.AgreementPreviewSerializer(preview).data)
        changed = agreements.agreement_update(
            actor=request.user, agreement=agreement, changes=changes
        )
        return Response(s.AgreementOutputSerializer(changed).data)

    def destroy(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        if _dry_run(request):
            preview = agreements.agreement_preview(
                actor=request.user,
                owner=agreement.owner,
                data={},
                current=agreement,
                deleting=True,
            )
            return Response(s.AgreementPreviewSerializer(preview).data)
        agreements.agreement_delete(actor=request.user, agreement=agreement)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Deconfliction hints for your agencies",
        responses={200: s.MatchOutputSerializer(many=True), **errors(403)},
    )
)
class MatchViewSet(mixins.ListModelMixin, FusionGenericViewSet):
    """Each match once per side the caller's agencies hold: own incident, other agency, score."""

    permission_classes = [ReadsIncidents]
    serializer_class = s.MatchOutputSerializer
    queryset = Match.objects.none()

    def get_queryset(self) -> QuerySet[Match]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        hints = visible_hints(self.request.user).select_related("agency_a", "agency_b")
        return hints.order_by("-created_at", "-id")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        mine = set(reader_agency_ids(request.user))
        rows = []
        for match in page:
            codes = {match.agency_a_id: match.agency_a.code, match.agency_b_id: match.agency_b.code}
            rows.extend(
                {
                    "id": match.pk,
                    "kind": match.kind,
                    "own_incident": side.own_incident_id,
                    "other_agency": codes[side.other_agency_id],
                    "score": match.score,
                    "created_at": match.created_at,
                }
                for side in sides(match, mine)
            )
        return self.get_paginated_response(s.MatchOutputSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="Access requests of and to your agencies",
        parameters=[
            OpenApiParameter(
                "status", str, enum=list(RequestStatus.values), description="Only these."
            )
        ],
        responses={200: s.AccessRequestOutputSerializer(many=True), **errors(400, 403)},
    ),
    create=extend_schema(
        summary="Ask an owner for access (by match or incident)",
        request=s.AccessRequestInputSerializer,
        responses={201: s.AccessRequestOutputSerializer, **errors(400, 403, 404, 409)},
    ),
)
class AccessRequestViewSet(mixins.ListModelMixin, FusionGenericViewSet):
    permission_classes = [ReadsIncidents]
    serializer_class = s.AccessRequestOutputSerializer
    queryset = AccessRequest.objects.none()

    def get_queryset(self) -> QuerySet[AccessRequest]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        mine = reader_agency_ids(self.request.user)
        return (
            AccessRequest.objects.filter(
                Q(requester_agency_id__in=mine) | Q(incident__agency_id__in=mine)
            )
            .filter(**self._status_filter())
            .select_related("requester", "requester_agency", "incident__agency")
            .order_by("-created_at", "-id")
        )

    def _status_filter(self) -> dict[str, str]:
        """`?status=pending|approved|denied` (once); another value is a 400 naming it."""
        wanted = query_choice(self.request, "status", RequestStatus.values)
        return {} if wanted is None else {"status": wanted}

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["incident_ids_shown"] = set(
                visible_incidents(self.request.user)
                .filter(pk__in=self.get_queryset().values("incident_id"))
                .values_list("pk", flat=True)
            )
        return context

    def _respond(self, request_obj: AccessRequest, code: int = 200) -> Response:
        return Response(self.get_serializer(request_obj).data, status=code)

    def create(self, request: Request) -> Response:
        serializer = s.AccessRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        match = None
        if "match" in data:
            match = visible_hints(request.user).filter(pk=data["match"]).first()
            if match is None:
                return Response({"detail": "Not found."}, status=404)
        made = access_requests.access_request_create(
            actor=request.user,
            purpose=data["purpose"],
            purpose_code=data.get("purpose_code"),
            case_ref=data.get("case_ref"),
            match=match,
            incident_id=data.get("incident"),
        )
        return self._respond(made, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve: share with the requester",
        request=s.ApproveInputSerializer,
        responses={200: s.AccessRequestOutputSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        serializer = s.ApproveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = access_requests.access_request_approve(
            actor=request.user, request=self.get_object(), **serializer.validated_data
        )
        return self._respond(decided)

    @extend_schema(
        summary="Deny with a reason",
        request=s.DenyInputSerializer,
        responses={200: s.AccessRequestOutputSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def deny(self, request: Request, pk: str) -> Response:
        serializer = s.DenyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = access_requests.access_request_deny(
            actor=request.user, request=self.get_object(), **serializer.validated_data
        )
        return self._respond(decided)


class PersonSearchView(FusionAPIView):
    permission_classes = [ReadsIncidents]

    @extend_schema(
        summary="Persons with a national id in incidents you may read (purpose required, logged)",
        parameters=[
            OpenApiParameter(
                "national_id",
                {"type": "string", "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"},
                required=True,
                description="Not blank (400).",
            ),
            purpose_param(required=True),
            *PURPOSE_PARAMS,
        ],
        responses={200: s.PersonHitSerializer(many=True), **errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        purpose = purpose_from_query(request.query_params)
        national_id = (request.query_params.get("national_id") or "").strip()
        if not national_id:
            return Response(
                {"detail": "Invalid input.", "errors": {"national_id": ["Required."]}}, status=400
            )
        hits = persons_search(actor=request.user, national_id=national_id, purpose=purpose)
        return Response(s.PersonHitSerializer(hits, many=True).data)
