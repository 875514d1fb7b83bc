"""Serializers of retention periods, legal holds and retention runs (counts, never persons)."""

from rest_framework import serializers

from fusion.api.serializers import StrictInputSerializer
from fusion.models import LegalHold, RetentionCount, RetentionRun
from fusion.retention.policies import MAX_DAYS, MIN_DAYS


class PeriodInputSerializer(StrictInputSerializer):
    days = serializers.IntegerField(min_value=MIN_DAYS, max_value=MAX_DAYS)


class PeriodOutputSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.slug")
    name = serializers.CharField(source="category.name")
    days = serializers.IntegerField()
    default = serializers.BooleanField(source="is_default")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(source="updated_by.username", default=None, allow_null=True)


class HoldInputSerializer(StrictInputSerializer):
    incident = serializers.UUIDField()
    reason = serializers.CharField(max_length=1000)


class HoldLiftInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=1000)


class HoldOutputSerializer(serializers.ModelSerializer):
    incident = serializers.UUIDField(source="incident_id")
    placed_by = serializers.CharField(source="placed_by.username")
    lifted_by = serializers.CharField(source="lifted_by.username", default=None, allow_null=True)
    live = serializers.SerializerMethodField()

    class Meta:
        model = LegalHold
        fields = (
            "id", "incident", "live", "reason", "placed_by", "placed_at", "lifted_by",
            "lifted_at", "lift_reason",
        )  # fmt: skip

    def get_live(self, hold: LegalHold) -> bool:
        return hold.lifted_at is None


class CountOutputSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category_id")

    class Meta:
        model = RetentionCount
        fields = ("category", "cutoff", "persons", "incidents", "held")


class RunOutputSerializer(serializers.ModelSerializer):
    """A run as one agency sees it: its own counts only (`counts` is prefetched for it)."""

    applies = serializers.IntegerField(source="applies_id", allow_null=True)
    counts = CountOutputSerializer(source="agency_counts", many=True)
    persons = serializers.SerializerMethodField()
    incidents = serializers.SerializerMethodField()
    held = serializers.SerializerMethodField()

    class Meta:
        model = RetentionRun
        fields = (
            "id", "dry_run", "applies", "status", "started_at", "finished_at", "persons",
            "incidents", "held", "counts", "error",
        )  # fmt: skip

    def get_persons(self, run: RetentionRun) -> int:
        return sum(count.persons for count in run.agency_counts)

    def get_incidents(self, run: RetentionRun) -> int:
        return sum(count.incidents for count in run.agency_counts)

    def get_held(self, run: RetentionRun) -> int:
        return sum(count.held for count in run.agency_counts)
