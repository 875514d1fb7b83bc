"""What the audit trail records of a model: the fields auditlog diffs and the masked ones.
Shared by the per-save path (fusion.audit) and the set-based SQL path (fusion.audit.sql)."""

from auditlog.registry import auditlog
from django.db import models

REDACTED = "[redacted]"


def audited_fields(model: type[models.Model]) -> tuple[list, set[str]]:
    """The fields auditlog diffs for `model` (its registration's include/exclude) and the masked."""
    spec = auditlog.get_model_fields(model)
    fields = [
        f
        for f in model._meta.concrete_fields
        if (not spec["include_fields"] or f.name in spec["include_fields"])
        and f.name not in spec["exclude_fields"]
    ]
    return fields, set(spec["mask_fields"])
