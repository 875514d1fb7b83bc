"""Threat assessments: methods, review, model cards and reports."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Assessments and standing assessments are audited (not their progress ticks)."""
        from auditlog.registry import auditlog

        from analytics.models import Assessment, StandingAssessment

        auditlog.register(Assessment, exclude_fields=["progress", "lease_until", "timings"])
        auditlog.register(StandingAssessment)
