"""Threat assessments: methods, review, model cards and reports."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Assessments, standing assessments, reports and method status changes are audited (not
        progress ticks)."""
        from auditlog.registry import auditlog

        from analytics.models import (
            Assessment,
            Flag,
            MethodStatusChange,
            Report,
            StandingAssessment,
        )

        auditlog.register(Assessment, exclude_fields=["progress", "lease_until", "timings"])
        auditlog.register(StandingAssessment)
        auditlog.register(Report)
        auditlog.register(Flag)  # acknowledgements and outcomes
        auditlog.register(MethodStatusChange)
