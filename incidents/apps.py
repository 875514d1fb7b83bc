"""Incidents, persons, the category taxonomy and ingest."""

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Incidents, persons (personal fields masked in the audit trail) and categories are
        audited."""
        from auditlog.registry import auditlog

        from incidents.models import PERSON_PERSONAL_FIELDS, Category, Incident, Person

        auditlog.register(Category)
        auditlog.register(Incident, exclude_fields=["updated_at"])
        auditlog.register(
            Person,
            mask_fields=PERSON_PERSONAL_FIELDS,
            mask_callable="fusion.audit.redact",
            exclude_fields=["national_id_index"],
        )
