"""Shapes of assessments on the API: the request, the record, the review, the model cards."""

from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.choices import Decision, Kind, MethodStatus
from analytics.models import Assessment
from analytics.registry import method_statuses
from analytics.runners import NOTICE
from analytics.scope import EARLIEST, LATEST, PARAMS, Spec
from fusion.api.serializers import GEOMETRY_SCHEMA, constant
from incidents.choices import TLP


def _param_schema(spec: Spec) -> dict[str, Any]:
    if spec.kind is str:
        return {"type": "string", "enum": list(spec.choices)}
    if spec.kind is date:
        return {"type": "string", "format": "date", "description": f"{EARLIEST} to {LATEST}."}
    kind = "integer" if spec.kind is int else "number"
    return {"type": kind, "minimum": spec.low, "maximum": spec.high}


def params_schema() -> dict[str, Any]:
    """Every parameter of analytics.scope.PARAMS with its bounds (null: the default)."""
    properties: dict[str, Any] = {}
    kinds: dict[str, list[str]] = {}
    for kind, specs in PARAMS.items():
        for name, (spec, _default) in specs.items():
            properties[name] = {**_param_schema(spec), "nullable": True}
            kinds.setdefault(name, []).append(str(kind))
    for name, used_by in kinds.items():
        properties[name]["description"] = (
            properties[name].get("description", "") + f" For {', '.join(used_by)}."
        ).strip()
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "description": "Only the parameters of the requested kind (another is a 400); null or "
        "left out takes the default.",
    }


@extend_schema_field(params_schema())
class ParamsField(serializers.DictField):
    """The kind's parameters (checked by analytics.scope)."""


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "bbox": {
                "type": "array",
                "items": {"type": "number", "minimum": -180, "maximum": 180},
                "minItems": 4,
                "maxItems": 4,
                "description": "[min_lon, min_lat, max_lon, max_lat]: latitudes within "
                "-90..90, each min below its max, the box within ASSESSMENT_MAX_AREA_KM2 "
                "(else 400).",
            },
            "districts": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"},
            },
        },
    }
)
class AreaField(serializers.DictField):
    """Where: a bbox and/or districts (checked by analytics.scope)."""


class AssessmentRequestSerializer(serializers.Serializer):
    """The request; kind-specific params and area are checked by the scope module."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    agency = serializers.CharField(required=False, help_text="Acting agency code, if several.")
    params = ParamsField(required=False, default=dict)
    area = AreaField(
        required=False, default=dict, help_text='{"bbox": [w, s, e, n], "districts": [...]}'
    )
    occurred_after = serializers.DateTimeField(
        required=False,
        help_text=f"From {EARLIEST} to {LATEST}, before occurred_before, the window at most "
        "ASSESSMENT_MAX_WINDOW_DAYS long (links: ASSESSMENT_MAX_LINK_WINDOW_DAYS; surges: at "
        "least two periods); else 400.",
    )
    occurred_before = serializers.DateTimeField(
        required=False,
        help_text=f"From {EARLIEST} to {LATEST}; a forecast reads up to its forecast_start.",
    )
    categories = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Slugs of active categories (an unknown one is a 400).",
    )
    tlp_max = serializers.ChoiceField(
        choices=TLP.choices,
        required=False,
        help_text="Leave out incidents more restrictive than this label (the result carries "
        "its strictest input's TLP; AMBER keeps one TLP:RED incident from making it RED).",
    )


RATIONALE_MAX = 2000  # a rationale is shown to readers of the result or card, not an essay


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    rationale = serializers.CharField(allow_blank=True, max_length=RATIONALE_MAX)
    acknowledged_warnings = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )


class WithdrawSerializer(serializers.Serializer):
    rationale = serializers.CharField(allow_blank=True, max_length=RATIONALE_MAX)


class MethodStatusInputSerializer(serializers.Serializer):
    """Oversight's decision on the current version of a method (analytics.lifecycle)."""

    status = serializers.ChoiceField(choices=MethodStatus.choices)
    rationale = serializers.CharField(
        allow_blank=True,
        max_length=RATIONALE_MAX,
        help_text="Why (10+ characters); shown on the model card to every reader, and in the "
        "warning on the version's pending results.",
    )
    version = serializers.CharField(
        required=False,
        help_text="The version decided about; must be the current one (else 409).",
    )
    agency = serializers.CharField(
        required=False, help_text="The oversight body's code, if you belong to several."
    )


class AssessmentSerializer(serializers.ModelSerializer):
    """The record: scope, parameters, versions, snapshot, progress, timings, review, and the
    result (evidence and bias checks); lists use AssessmentListSerializer, without it."""

    requester = serializers.CharField(source="requester.username", read_only=True)
    agency = serializers.CharField(source="agency.code", read_only=True)
    review = serializers.SerializerMethodField()
    withdrawal = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField()
    method_status = serializers.SerializerMethodField(
        help_text="The status of the assessment's method version now (active, suspended, "
        "retired): a result of a version that is not active is not approved (409)."
    )
    standing = serializers.CharField(
        source="standing.name",
        default=None,
        read_only=True,
        allow_null=True,
        help_text="The standing request this assessment was run for; null when asked for once.",
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "kind",
            "status",
            "requester",
            "agency",
            "standing",
            "scope",
            "params",
            "method_version",
            "method_status",
            "code_version",
            "seed",
            "input_count",
            "input_hash",
            "input_agencies",
            "tlp",
            "progress",
            "attempts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "timings",
            "compared_with",
            "review",
            "withdrawal",
            "notice",
            "result",
        ]
        read_only_fields = fields

    def get_review(self, obj: Assessment) -> dict[str, Any] | None:
        if not obj.decision:
            return None
        return {
            "decision": obj.decision,
            "reviewer": obj.reviewed_by.username if obj.reviewed_by_id else None,
            "reviewed_at": obj.reviewed_at,
            "rationale": obj.rationale,
            "acknowledged_warnings": obj.acknowledged_warnings,
        }

    def get_withdrawal(self, obj: Assessment) -> dict[str, Any] | None:
        if obj.withdrawn_at is None:
            return None
        return {
            "by": obj.withdrawn_by.username if obj.withdrawn_by_id else None,
            "at": obj.withdrawn_at,
            "rationale": obj.withdrawal_rationale,
        }

    def get_notice(self, obj: Assessment) -> str:
        return NOTICE

    @extend_schema_field(serializers.ChoiceField(choices=MethodStatus.choices))
    def get_method_status(self, obj: Assessment) -> str:
        # one query for a whole list: the statuses are kept in the (shared) context
        if "method_statuses" not in self.context:
            self.context["method_statuses"] = method_statuses()
        statuses = self.context["method_statuses"]
        return statuses.get((obj.kind, obj.method_version), MethodStatus.ACTIVE.value)


class AssessmentListSerializer(AssessmentSerializer):
    """An assessment in a list: the record without its result (read one for the result)."""

    class Meta(AssessmentSerializer.Meta):
        fields = [name for name in AssessmentSerializer.Meta.fields if name != "result"]
        read_only_fields = fields


@extend_schema_field(GEOMETRY_SCHEMA)
class GeometryField(serializers.JSONField):
    """A cell's GeoJSON geometry (output only)."""


class CellFeatureSerializer(serializers.Serializer):
    """One cell of a spatial result as a GeoJSON Feature; its other values are properties."""

    type = constant("Feature")
    id = serializers.JSONField(help_text="The cell's id in the result.")
    geometry = GeometryField()
    properties = serializers.DictField(child=serializers.JSONField())


class AssessmentFeatureCollectionSerializer(serializers.Serializer):
    """An approved hotspots or forecast result as a FeatureCollection, labelled with the TLP
    of its strictest input (`?format=geojson` on one assessment)."""

    type = constant("FeatureCollection")
    features = CellFeatureSerializer(many=True)
    assessment = serializers.UUIDField()
    kind = serializers.CharField()
    tlp = serializers.CharField()
    notice = serializers.CharField(allow_null=True)
