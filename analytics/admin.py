"""Admin: assessment records (read-only), backtests (read-only), standing assessments."""

from django.contrib import admin
from django.http import HttpRequest

from analytics.models import Assessment, BacktestRun, StandingAssessment


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "requester", "agency", "input_count", "created_at")
    list_filter = ("kind", "status", "agency")
    search_fields = ("id", "input_hash")


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyAdmin):
    list_display = ("method", "method_version", "dataset", "created_at")
    list_filter = ("method",)


@admin.register(StandingAssessment)
class StandingAssessmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "agency", "owner", "every_days", "active", "last_run_at")
    list_filter = ("kind", "active")
    readonly_fields = ("last_run_at", "last_error")
