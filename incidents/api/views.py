"""Incidents API: thin views over the visibility selector and the incident services."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.acting import acting_agency
from agencies.api.permissions import ReadsIncidents
from agencies.choices import WRITER_ROLES
from fusion import audit
from fusion.api.base import FusionGenericViewSet
from fusion.api.conditional import etag, expected_version
from fusion.api.pagination import KeysetPagination
from fusion.api.parsers import PayloadTooLarge
from fusion.api.purpose_params import PURPOSE_PARAMS, purpose_param
from fusion.api.renderers import GeoJSONRenderer, JSONErrors
from fusion.api.schema import IDEMPOTENCY_KEY_SCHEMA, errors
from fusion.memory import gc_paused
from fusion.purpose import purpose_from_query
from incidents import map_clusters
from incidents.access import access_levels
from incidents.api import map_view
from incidents.api.batch import ingest_batch, submitting_agency
from incidents.api.geojson import (
    IncidentFeatureCollectionSerializer,
    IncidentFeatureSerializer,
    feature,
    feature_collection,
)
from incidents.api.serializers import (
    BulkInputSerializer,
    BulkResultSerializer,
    CategorySerializer,
    IncidentInputSerializer,
    IncidentOutputSerializer,
    IncidentUpdateSerializer,
    PersonConfirmationSerializer,
)
from incidents.confirmations import person_confirm
from incidents.districts import register_summary
from incidents.filters import IncidentFilter
from incidents.models import Incident
from incidents.selectors import (
    active_category_slugs,
    categories,
    incidents_for_reading,
    log_refused_access,
)
from incidents.services import incident_delete, incident_update, incident_upsert

PURPOSE_PARAM = purpose_param(
    description="Why you read persons (required with include=persons); logged."
)
INCLUDE_PARAM = OpenApiParameter("include", str, enum=["persons"], description="Add persons.")
FORMAT_PARAM = OpenApiParameter("format", str, enum=["json", "geojson"])
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^\s*(\*|(W/)?"?[0-9]{1,19}"?)\s*$'},
    OpenApiParameter.HEADER,
    description="ETag of the version you hold (or `*`); a stale or unknown one is a 412.",
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    IDEMPOTENCY_KEY_SCHEMA,
    OpenApiParameter.HEADER,
    description="Retry-safe POST key.",
)
MERGE = (
    "A record whose external_ref your agency already uses updates that incident by merging: "
    "the fields it carries replace the stored ones, every field it leaves out (persons too) "
    "keeps its stored value; defaults apply only when a record creates an incident. So a TLP "
    "is lowered only by a record that names the lower `tlp`, and each lowering is in the "
    "audit trail as `incident.tlp_lowered` (from, to, who, for which agency). "
)
COPIES = (
    "A record that copies an incident of another agency you can see (its external_ref on "
    "create, or the same time to the second, place to 1e-4 degree, category and description) "
    "is refused with 409, naming the record and the field (`external_ref` or `content`): "
    "another agency's incident cannot be re-published as yours. Incidents you cannot see are "
    "never compared."
)

CONFIRM = (
    "A person whose source is facial_recognition (outside protected contexts, which refuse "
    "it) carries an `authorisation_ref` and stays `pending` until a second user of the "
    "owning agency confirms it here: a submitter or agency admin, not the user who recorded "
    "it (403), nor a service account. Until then only the owning agency sees it: other "
    "agencies' readers, person search and person matching leave it out. Confirming is "
    "audited (`person.recognition_confirmed`) and looks for the person's matches. A person "
    "not from facial recognition, or confirmed already, is a 409; one you cannot see, a 404. "
    "A write that sends the person with any field changed records it anew, unconfirmed."
)


@extend_schema_view(
    list=extend_schema(
        summary="Incidents visible to you",
        parameters=[FORMAT_PARAM],
        responses={
            (200, "application/json"): IncidentOutputSerializer(many=True),
            (200, "application/geo+json"): IncidentFeatureCollectionSerializer,
            **errors(400, 403),
        },
    ),
    retrieve=extend_schema(
        summary="One incident (ETag); persons with include=persons&purpose=…",
        parameters=[INCLUDE_PARAM, PURPOSE_PARAM, *PURPOSE_PARAMS, FORMAT_PARAM],
        responses={
            (200, "application/json"): IncidentOutputSerializer,
            (200, "application/geo+json"): IncidentFeatureSerializer,
            **errors(400, 403, 404),
        },
    ),
    create=extend_schema(
        summary="Create, or update by external_ref (201 new, 200 updated)",
        description=MERGE + COPIES,
        parameters=[IDEMPOTENCY],
        request=IncidentInputSerializer,
        responses={
            201: IncidentOutputSerializer,
            200: IncidentOutputSerializer,
            **errors(400, 403, 409, 413),
        },
    ),
    update=extend_schema(
        summary="Replace an incident's fields (If-Match)",
        description=(
            "Replaces the writable fields: one left out takes its default, except `tlp`, "
            "which keeps the stored label (persons and reported_at also keep theirs). A lower "
            "`tlp` must be named, and is audited as `incident.tlp_lowered`. " + COPIES
        ),
        parameters=[IF_MATCH],
        request=IncidentUpdateSerializer,
        responses={200: IncidentOutputSerializer, **errors(400, 403, 404, 409, 412)},
    ),
    partial_update=extend_schema(
        summary="Change some fields of an incident (If-Match)",
        description=(
            "Fields left out keep their stored values. A lower `tlp` is audited as "
            "`incident.tlp_lowered`. " + COPIES
        ),
        parameters=[IF_MATCH],
        request=IncidentUpdateSerializer,
        responses={200: IncidentOutputSerializer, **errors(400, 403, 404, 409, 412)},
    ),
    destroy=extend_schema(
        summary="Delete an incident (If-Match)",
        parameters=[IF_MATCH],
        responses={204: None, **errors(403, 404, 412)},
    ),
)
class IncidentViewSet(JSONErrors, FusionGenericViewSet):
    """Incidents: every read goes through `incidents_for_reading` (the visibility selector)."""

    permission_classes = [ReadsIncidents]
    pagination_class = KeysetPagination
    filterset_class = IncidentFilter
    renderer_classes = [JSONRenderer, GeoJSONRenderer, BrowsableAPIRenderer]
    serializer_class = IncidentOutputSerializer
    queryset = Incident.objects.none()  # for schema introspection; get_queryset decides

    def get_queryset(self) -> QuerySet[Incident]:
        return incidents_for_reading(self.request.user, with_persons=self._include_persons())

    def get_object(self) -> Incident:
        """The visible incident; a miss on an incident that exists is logged as refused (its
        owner's admins are notified), and answers the same 404 as a missing one."""
        try:
            return super().get_object()
        except Http404:
            log_refused_access(self.request.user, self.request.method, self.kwargs.get("pk"))
            raise

    def _include_persons(self) -> bool:
        return self.action == "retrieve" and self.request.query_params.get("include") == "persons"

    def _output(self, incidents: list[Incident], **context: Any) -> Any:
        levels = access_levels(self.request.user, incidents)
        context = {"request": self.request, "levels": levels, **context}
        return IncidentOutputSerializer(incidents, many=True, context=context).data

    def _geojson(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "geojson"

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self._output(page)
        if self._geojson():
            paginator = self.paginator
            return Response(
                feature_collection(
                    data, next=paginator.get_next_link(), previous=paginator.get_previous_link()
                )
            )
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, pk: str) -> Response:
        include = self._include_persons()
        purpose = purpose_from_query(request.query_params) if include else None
        incident = self.get_object()
        data = self._output([incident], include_persons=include)[0]
        details = {"persons_returned": len(data["persons"])} if include else {}
        event = "incident.persons_read" if include else "incident.read"
        if purpose is not None:
            details.update(purpose.details())
        text = purpose.text if purpose is not None else ""
        audit.log_event(event=event, obj=incident, purpose=text, details=details)
        body = feature(data) if self._geojson() else data
        return Response(body, headers={"ETag": etag(incident.version)})

    def _written(self, incident: Incident, code: int) -> Response:
        fresh = self.get_queryset().get(pk=incident.pk)
        return Response(
            self._output([fresh])[0], status=code, headers={"ETag": etag(fresh.version)}
        )

    def _input(self, serializer_class: type, *, partial: bool = False) -> dict[str, Any]:
        context = {"category_slugs": active_category_slugs()}
        serializer = serializer_class(data=self.request.data, partial=partial, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request) -> Response:
        record = self._input(IncidentInputSerializer)
        code = record.pop("agency", None)
        agency = acting_agency(request.user, code, WRITER_ROLES, "submit incidents")
        incident, created = incident_upsert(actor=request.user, agency=agency, record=record)
        return self._written(incident, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _change(self, request: Request, *, replace: bool) -> Response:
        incident = self.get_object()
        version = expected_version(request)
        changes = self._input(IncidentUpdateSerializer, partial=not replace)
        updated = incident_update(
            actor=request.user,
            incident=incident,
            changes=changes,
            expected_version=version,
            replace=replace,
        )
        return self._written(updated, status.HTTP_200_OK)

    def update(self, request: Request, pk: str) -> Response:
        return self._change(request, replace=True)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._change(request, replace=False)

    def destroy(self, request: Request, pk: str) -> Response:
        incident = self.get_object()
        incident_delete(
            actor=request.user, incident=incident, expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Upsert up to FUSION_BULK_MAX incidents atomically (all or none)",
        description=MERGE + COPIES.replace("the record", "the record by index"),
        parameters=[IDEMPOTENCY],
        request=BulkInputSerializer,
        responses={200: BulkResultSerializer, **errors(400, 403, 409, 413)},
    )
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def bulk(self, request: Request) -> Response:
        with gc_paused():
            return self._bulk(request)

    def _bulk(self, request: Request) -> Response:
        envelope = BulkInputSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        items = envelope.validated_data["incidents"]
        if len(items) > settings.FUSION_BULK_MAX:
            raise PayloadTooLarge(f"At most {settings.FUSION_BULK_MAX} incidents per request.")
        agency = submitting_agency(request.user, envelope.validated_data.get("agency"))
        result = ingest_batch(request.user, agency, items)
        # str ids: the JSON encoder calls its Python default() per UUID otherwise (twice with an
        # Idempotency-Key); the bytes sent are the same.
        ids = [str(i) for i in result.ids]
        body = {"created": result.created, "updated": result.updated, "ids": ids}
        return Response({**body, "unchanged": result.unchanged})

    @extend_schema(
        summary="Confirm a person from facial recognition (a second user of the owner)",
        description=CONFIRM,
        request=None,
        parameters=[OpenApiParameter("person_id", str, OpenApiParameter.PATH)],
        responses={200: PersonConfirmationSerializer, **errors(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"persons/(?P<person_id>[^/.]+)/confirm",
        url_name="person-confirm",
        pagination_class=None,
        filterset_class=None,
    )
    def confirm_person(self, request: Request, pk: str, person_id: str) -> Response:
        incident = self.get_object()
        person = person_confirm(actor=request.user, incident=incident, person_id=person_id)
        return Response(PersonConfirmationSerializer(person).data)

    @extend_schema(
        summary="The visible incidents in a map's view: points, or grid clusters when many",
        description=(
            "The incidents the caller may see, narrowed by the list's filters (the same "
            "parameters, the same 400s), inside `view`. Up to "
            f"{map_clusters.POINT_LIMIT:,} are points with their id, place, TLP, category, "
            "severity, district and time; more are grid clusters about 64 pixels wide at "
            "`zoom`, each with its count, mean place and most restrictive TLP, counted on the "
            "server. A cluster tells no more than its incidents' points would."
        ),
        parameters=map_view.PARAMETERS,
        responses={200: map_view.MapDataSerializer, **errors(400, 403)},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="map",
        url_name="map",
        pagination_class=None,
        renderer_classes=[JSONRenderer],
    )
    def in_view(self, request: Request) -> Response:
        view = map_view.map_view(request.query_params)
        return Response(map_clusters.map_data(self.filter_queryset(self.get_queryset()), view))

    @extend_schema(
        summary="The district register: the names district filters and records are checked "
        "against, with each district's box and centre",
        responses={200: map_view.DistrictRegisterSerializer, **errors(403)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def districts(self, request: Request) -> Response:
        return Response(register_summary())

    @extend_schema(
        summary="The managed category taxonomy",
        responses={200: CategorySerializer(many=True), **errors(403)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def categories(self, request: Request) -> Response:
        return Response(CategorySerializer(categories(), many=True).data)
