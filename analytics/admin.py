"""Admin: assessment records and backtests (read-only), standing assessments.

An assessment's scope, parameters and result are derived from incident content and are read
through the API by those `fusion.sharing.visibility` lets see them; the admin shows their metadata.
Standing assessments are managed here (see `fusion.admin_rules`: edits name their actor).
"""

from django.contrib import admin

from analytics.models import Assessment, BacktestRun, StandingAssessment
from fusion.admin_rules import FusionModelAdmin, ReadOnlyModelAdmin


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "kind", "status", "requester", "agency", "input_count", "created_at")
    list_filter = ("kind", "status", "agency")
    search_fields = ("id", "input_hash")
    fields = (
        "id",
        "kind",
        "status",
        "requester",
        "agency",
        "standing",
        "tlp",
        "input_count",
        "input_hash",
        "method_version",
        "code_version",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "reviewed_by",
        "reviewed_at",
        "decision",
        "withdrawn_by",
        "withdrawn_at",
    )
    readonly_fields = fields


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyModelAdmin):
    list_display = ("method", "method_version", "dataset", "created_at")
    list_filter = ("method",)


@admin.register(StandingAssessment)
class StandingAssessmentAdmin(FusionModelAdmin):
    """Switched off by unticking `active`, not deleted (its runs name it)."""

    list_display = ("name", "kind", "agency", "owner", "every_days", "active", "last_run_at")
    list_filter = ("kind", "active")
    readonly_fields = ("last_run_at", "last_error")
