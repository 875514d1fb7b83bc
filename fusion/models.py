"""Audit entries (django-auditlog's log model, extended) and idempotency records."""

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import models


class AuditEntry(AbstractLogEntry):
    """One audited event: a change (create/update/delete) or an access (read, search, login).

    Extends auditlog's entry with the acting and owning agency, the stated purpose and the
    outcome, so that oversight can answer who did what, for which agency, why, and whether
    it was allowed.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    acting_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    event = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_agency", "-timestamp"], name="audit_agency_idx")]


class IdempotencyRecord(models.Model):
    """The first successful answer to a POST carrying an Idempotency-Key, for replay."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
