"""Shapes of assessments on the API: the request, the record, the review, the model cards."""

from typing import Any

from rest_framework import serializers

from analytics.choices import Decision, Kind
from analytics.models import Assessment
from analytics.runners import NOTICE


class AssessmentRequestSerializer(serializers.Serializer):
    """The request; kind-specific params and area are checked by the scope module."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    agency = serializers.CharField(required=False, help_text="Acting agency code, if several.")
    params = serializers.DictField(required=False, default=dict)
    area = serializers.DictField(
        required=False, default=dict, help_text='{"bbox": [w, s, e, n], "districts": [...]}'
    )
    occurred_after = serializers.DateTimeField(required=False)
    occurred_before = serializers.DateTimeField(required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    rationale = serializers.CharField(allow_blank=True)
    acknowledged_warnings = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )


class WithdrawSerializer(serializers.Serializer):
    rationale = serializers.CharField(allow_blank=True)


class AssessmentSerializer(serializers.ModelSerializer):
    """The record: scope, parameters, versions, snapshot, progress, timings, review; the
    result (evidence and bias checks) on the detail only."""

    requester = serializers.CharField(source="requester.username", read_only=True)
    agency = serializers.CharField(source="agency.code", read_only=True)
    review = serializers.SerializerMethodField()
    withdrawal = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField()
    standing = serializers.CharField(source="standing.name", default=None, read_only=True)

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

    def to_representation(self, instance: Assessment) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("with_result", True):
            data.pop("result")
        return data
