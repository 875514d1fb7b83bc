"""Exchange API: export what the caller may see (CSV, GeoJSON, STIX 2.1), and import a STIX
bundle or CSV into the caller's agency through the ingest rules."""

import uuid
from typing import Any

from django.db.models import Count
from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api.permissions import ReadsIncidents
from agencies.models import Agency, User
from fusion import audit
from fusion.api.base import FusionAPIView
from fusion.api.parsers import LimitedCSVParser, LimitedJSONParser, LimitedSTIXParser
from fusion.api.purpose_params import PURPOSE_PARAMS, purpose_param
from fusion.api.renderers import DocumentRenderer, JSONErrors
from fusion.api.schema import errors
from fusion.errors import Conflict, Invalid
from fusion.memory import gc_paused
from fusion.purpose import purpose_from_query
from incidents import stix
from incidents.access import visible_incidents
from incidents.api.batch import checked_records, submitting_agency
from incidents.api.exchange import csv_records, csv_text, geojson_text, pages, stix_text
from incidents.api.serializers import BulkResultSerializer
from incidents.bulk import incident_upsert_batch
from incidents.choices import strictest
from incidents.filters import IncidentFilter
from incidents.models import Incident
from incidents.provenance import Copied
from incidents.selectors import incidents_for_reading


class CSVRenderer(DocumentRenderer):
    media_type, format, charset = "text/csv", "csv", "utf-8"


class GeoJSONRenderer(DocumentRenderer):
    media_type, format, charset = "application/geo+json", "geojson", None


class STIXRenderer(DocumentRenderer):
    media_type, format, charset = "application/stix+json;version=2.1", "stix", None


STREAMS = {"csv": csv_text, "geojson": geojson_text, "stix": stix_text}


@extend_schema(
    summary="Export the incidents you may see (CSV, GeoJSON or STIX 2.1); logged with purpose",
    parameters=[
        OpenApiParameter("format", str, enum=list(STREAMS), description="Default csv."),
        purpose_param(required=True, description="Why you export; logged."),
        *PURPOSE_PARAMS,
    ],
    responses={
        (200, "text/csv"): OpenApiTypes.STR,
        (200, "application/geo+json"): OpenApiTypes.OBJECT,
        (200, "application/stix+json"): OpenApiTypes.OBJECT,
        **errors(400, 403, 429),
    },
)
class ExportView(JSONErrors, FusionAPIView):
    """Everything the incident list would show the caller, with the same filters, in one
    file; persons are never exported. The `TLP` header (and a GeoJSON's `tlp`) carries the
    most restrictive label among the exported incidents."""

    permission_classes = [ReadsIncidents]
    renderer_classes = [CSVRenderer, GeoJSONRenderer, STIXRenderer]
    filterset_class = IncidentFilter
    throttle_scope = "export"

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """The renderer named by `format` (csv when none). An unknown format is answered as
        a 400 naming the field, after authentication, so a JSON renderer stands in here."""
        wanted = request.query_params.get("format", "csv")
        for renderer in self.get_renderers():
            if renderer.format == wanted:
                return renderer, renderer.media_type
        return JSONRenderer(), JSONRenderer.media_type

    def get(self, request: Request) -> StreamingHttpResponse:
        fmt = request.query_params.get("format", "csv")
        if fmt not in STREAMS:
            raise Invalid("Unknown export format.", errors={"format": [f"One of {list(STREAMS)}."]})
        purpose = purpose_from_query(request.query_params)
        visible = incidents_for_reading(request.user)
        queryset = DjangoFilterBackend().filter_queryset(request, visible, self)
        counts = dict(queryset.order_by().values_list("tlp").annotate(n=Count("id")))
        label = strictest(counts).value  # a plain str: WSGI servers refuse str subclasses
        known = IncidentFilter.base_filters
        filters = {k: v for k, v in request.query_params.items() if k in known}
        if "q" in filters:  # free text may hold anything; the log keeps that it was used
            filters["q"] = audit.redact(filters["q"])
        audit.log_event(
            event="incident.export",
            model=Incident,
            object_repr=f"export ({fmt})",
            purpose=purpose.text,
            details={
                "format": fmt,
                "filters": filters,
                "count": sum(counts.values()),
                "tlp": label,
                **purpose.details(),
            },
        )
        source = pages(request.user, queryset)
        body = STREAMS[fmt](source, label) if fmt == "geojson" else STREAMS[fmt](source)
        renderer = request.accepted_renderer
        media_type = request.accepted_media_type
        if renderer.charset:
            media_type = f"{media_type}; charset={renderer.charset}"
        response = StreamingHttpResponse(body, content_type=media_type)
        response["TLP"] = label
        response["Content-Disposition"] = f'attachment; filename="fusion-incidents.{fmt}"'
        return response


def others_incidents(user: User, agency: Agency, stix_ids: list[str]) -> list[str]:
    """The STIX ids among `stix_ids` naming an incident the user sees and `agency` does not
    own: whatever its extension says, importing it would make the importer its owner."""
    by_pk = {}
    for stix_id in stix_ids:
        try:
            by_pk[uuid.UUID(stix_id.removeprefix("incident--"))] = stix_id
        except ValueError:
            continue
    shared = visible_incidents(user).filter(pk__in=list(by_pk)).exclude(agency=agency)
    return [by_pk[pk] for pk in shared.values_list("pk", flat=True)]


@extend_schema(
    summary="Import a STIX 2.1 bundle or CSV into your agency (atomic, upserted by reference)",
    description=(
        "An imported record whose reference your agency already uses updates that incident by "
        "merging: what the record carries replaces the stored value, what it leaves out (a "
        "STIX incident without a TLP marking or description, an empty CSV cell, persons) keeps "
        "it; defaults apply only on create. A TLP is lowered only by a record whose marking "
        "(STIX) or `tlp` cell (CSV) names the lower label, and the lowering is audited as "
        "`incident.tlp_lowered`. A STIX incident that Fusion exported from another agency's "
        "incident you can see is refused (400, `agency`); so is, with 409 naming the object or "
        "line and the field (`external_ref` or `content`), any record copying such an incident "
        "under a new id: its external_ref on create, or the same time to the second, place to "
        "1e-4 degree, category and description. Incidents you cannot see are never compared."
    ),
    parameters=[
        OpenApiParameter("agency", str, description="Your agency's code, if you have several.")
    ],
    request={
        "application/stix+json": OpenApiTypes.OBJECT,
        "application/json": OpenApiTypes.OBJECT,
        "text/csv": OpenApiTypes.STR,
    },
    responses={200: BulkResultSerializer, **errors(400, 403, 409, 413)},
)
class ImportView(FusionAPIView):
    """The same rules as the bulk endpoint: every record is checked, and either all are
    stored or none is. CSV errors are named by line, STIX errors by object id."""

    parser_classes = [LimitedSTIXParser, LimitedJSONParser, LimitedCSVParser]

    def post(self, request: Request) -> Response:
        agency = submitting_agency(request.user, request.query_params.get("agency"))
        with gc_paused():
            if request.content_type.startswith(LimitedCSVParser.media_type):
                records, keys, problems, other, where = self._csv(request.data)
            else:
                records, keys, problems, other, where = self._stix(request.data, agency.code)
                for key in others_incidents(request.user, agency, keys):
                    problems.setdefault(key, {})["agency"] = [
                        "This is another agency's incident, shared with you: only it may import it."
                    ]
            if not records and not problems:
                raise Invalid("Nothing to import.", errors={where: ["No incidents."]})
            checked, found = checked_records(records)
            for index, field_errors in found.items():
                problems.setdefault(keys[int(index)], {}).update(field_errors)
            if problems:
                noun = where if len(problems) != 1 else where[:-1]
                raise Invalid(
                    f"{len(problems)} {noun} with problems; nothing was stored.",
                    errors={where: problems},
                )
            try:
                result = incident_upsert_batch(actor=request.user, agency=agency, records=checked)
            except Invalid as exc:  # the rules' errors, by index: named by line or object here
                by_index = (exc.errors or {}).get("incidents")
                if not by_index:
                    raise
                named = {keys[int(i)]: found for i, found in by_index.items()}
                noun = where if len(named) != 1 else where[:-1]
                raise Invalid(
                    f"{len(named)} {noun} with problems; nothing was stored.",
                    errors={where: named},
                ) from exc
            except Copied as exc:
                raise Conflict(
                    exc.detail,
                    errors={where: {keys[i]: found for i, found in exc.by_index.items()}},
                ) from exc
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "ids": [str(i) for i in result.ids],
                "ignored": other,
            }
        )

    @staticmethod
    def _csv(data: Any) -> tuple[list, list[str], dict, int, str]:
        if not isinstance(data, str):
            raise Invalid("The CSV body is empty.", errors={"csv": ["A header row is required."]})
        records, lines, problems = csv_records(data)
        return records, lines, problems, 0, "lines"

    @staticmethod
    def _stix(data: Any, agency_code: str) -> tuple[list, list[str], dict, int, str]:
        try:
            records, ids, problems, other = stix.records_from_bundle(data, agency_code)
        except stix.BundleError as exc:
            raise Invalid(str(exc), errors={"bundle": [str(exc)]}) from exc
        return records, ids, problems, other, "objects"
