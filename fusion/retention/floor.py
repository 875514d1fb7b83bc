"""The audit trail's retention floor, and what retention registers with Django.

Audit entries are kept at least FUSION_AUDIT_MIN_RETENTION_DAYS (default 365; a check refuses
less than 183, six months). Fusion never deletes an entry: in PostgreSQL the audit tables
refuse UPDATE, DELETE and TRUNCATE whoever asks (fusion migrations 0005 and 0007), so
auditlog's `auditlogflush` fails there, and the retention worker only ever adds entries. The
setting is the floor any archiving done outside Fusion (by the database's operators) must
keep to; the check makes a configuration that says otherwise fail at start.
"""

from typing import Any

from django.conf import settings
from django.core import checks

FLOOR_DAYS = 183  # six months: no configuration keeps audit entries for less


def retention_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Errors for an audit minimum below six months or a retention default below a day."""
    errors = []
    if settings.FUSION_AUDIT_MIN_RETENTION_DAYS < FLOOR_DAYS:
        errors.append(
            checks.Error(
                f"FUSION_AUDIT_MIN_RETENTION_DAYS is {settings.FUSION_AUDIT_MIN_RETENTION_DAYS}.",
                hint=f"Audit entries are kept at least {FLOOR_DAYS} days; the default is 365.",
                id="fusion.E030",
            )
        )
    if settings.FUSION_RETENTION_DEFAULT_DAYS < 1:
        errors.append(
            checks.Error(
                "FUSION_RETENTION_DEFAULT_DAYS is below one day.",
                hint="Give a whole number of days (the default is 1826, five years).",
                id="fusion.E031",
            )
        )
    return errors


def register() -> None:
    """Audit the policy and hold rows (before and after of every change), keep held incidents
    from deletion and check the settings (called once from FusionConfig.ready)."""
    from auditlog.registry import auditlog
    from django.db.models.signals import pre_delete

    from fusion.models import LegalHold, RetentionPolicy
    from fusion.retention.holds import refuse_delete_while_held
    from incidents.models import Incident

    auditlog.register(RetentionPolicy, exclude_fields=["updated_at"])
    auditlog.register(LegalHold)
    pre_delete.connect(
        refuse_delete_while_held, sender=Incident, dispatch_uid="fusion.retention.held_delete"
    )
    checks.register(retention_settings_check)
