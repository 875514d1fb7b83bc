"""Audit entries and their chain links, idempotency records, complaints, purpose codes, and
sharing: grants, agreements, matches, requests."""

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fusion.choices import (
    ComplaintAbout,
    ComplaintStatus,
    EndReason,
    MatchKind,
    RequestStatus,
    ShareLevel,
    ShareOrigin,
)
from fusion.crypto import EncryptedTextField


class AuditEntry(AbstractLogEntry):
    """One audited event: a change (create/update/delete) or an access (read, search, login).

    Extends auditlog's entry with the acting and owning agency, the stated purpose and the
    outcome, so that oversight can answer who did what, for which agency, why, and whether
    it was allowed.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    # The log is written far more than it is read: it keeps the indexes its queries use, and
    # its references are not re-checked by the database for every entry (a batch of 5,000
    # incidents writes 5,000 entries or more). Entries are append-only (fusion.audit.chain):
    # users and agencies with entries are deactivated, not deleted; a content type's entries
    # stay as they are if it goes.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    object_pk = models.CharField(max_length=255)
    object_id = models.BigIntegerField(blank=True, null=True)
    action = models.PositiveSmallIntegerField(choices=AbstractLogEntry.Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, blank=True, null=True,
        related_name="+", db_constraint=False,
    )  # fmt: skip
    cid = models.CharField(  # noqa: DJ001 (auditlog's field: NULL when there is none)
        "correlation id", max_length=255, blank=True, null=True
    )
    acting_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    object_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    purpose = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    event = models.CharField(max_length=40, blank=True)
    # The PostgreSQL transaction that inserted the entry, set by a trigger whatever the INSERT
    # says (migration 0008): the chain is sealed in this order. 0 where none was recorded
    # (entries from before it, the SQLite demo).
    xact = models.BigIntegerField("transaction id", default=0, editable=False)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_agency", "-timestamp"], name="audit_agency_idx"),
            models.Index(fields=["object_pk"], name="audit_object_idx"),
            models.Index(fields=["cid"], name="audit_cid_idx"),
            models.Index(fields=["event"], name="audit_event_idx"),
            models.Index(fields=["xact", "id"], name="audit_xact_idx"),
        ]


class AuditSeal(models.Model):
    """One link of the audit chain (fusion.audit.chain): entry `entry_id`, sealed at position
    `seq`, with `hash = SHA-256(prev_hash ‖ canonical JSON of the entry)`.

    `entry_id` is a plain number, not a foreign key: a link outlives a deleted entry, which is
    how the deletion shows. Links are only ever appended."""

    seq = models.BigIntegerField(primary_key=True)
    entry_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)
    # The entry's transaction id, and the first transaction id not yet given out when the link
    # was made (PostgreSQL; NULL on links made before migration 0008 and on SQLite). Both are
    # in the hash of the link.
    xact = models.BigIntegerField(null=True, blank=True)
    next_xact = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "audit seal"

    def __str__(self) -> str:
        return f"link {self.seq}: entry {self.entry_id}"


class MonitorRun(models.Model):
    """One run of a misuse or drift check (fusion.oversight.read_monitor) over one window: when
    it ran, what it looked at, how many findings it raised, and the error that ended it, if
    any (a worker's failure is kept here, not only in a log)."""

    kind = models.CharField(max_length=20)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} check of {self.window_start:%Y-%m-%d %H:%M} ({self.found} found)"


class MonitorFinding(models.Model):
    """What a misuse or drift check found, for oversight: a user who read persons or exported
    far above their agency's norm in one window (`unusual_reads`, fusion.oversight.read_monitor),
    or a district over-flagged or flags repeated result after result of one agency's method
    (`bias_drift`, fusion.oversight.bias_drift; no user), or flags that turned out wrong more
    often than their method promised (`metric_drift`, fusion.oversight.metric_drift: `count` is
    the realised rate, `norm` the promised one, `threshold` the bound; no user). One row per
    `key` (user or method, agency, measure, district and window): a second run over the same
    window updates the figures and raises nothing new. Counts only; never the persons or
    incidents read. Its audit entries name no agency, so only oversight and platform admins
    read them, not the user's own admin."""

    class Kind(models.TextChoices):
        UNUSUAL_READS = "unusual_reads", "Unusual reads"
        BIAS_DRIFT = "bias_drift", "Bias drift"
        METRIC_DRIFT = "metric_drift", "Metric drift"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure = models.CharField(max_length=30)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.FloatField()
    norm = models.FloatField()
    threshold = models.FloatField()
    details = models.JSONField(default=dict)
    run = models.ForeignKey(MonitorRun, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="monitor_finding_created_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.measure} {self.count:g} > {self.threshold:g}"


class Complaint(models.Model):
    """A complaint about an assessment, a share, an access or anything else Fusion did, filed
    by anyone (no account needed) and handled by oversight (fusion.oversight.complaints).

    What the complainant wrote and how to reach them are personal data: stored encrypted,
    masked in the audit trail. Oversight's resolution may quote them, so it is too; so is the
    public response, which the complainant reads with the reference and the secret they were
    given (stored as its SHA-256 digest only)."""

    reference = models.CharField(max_length=20, unique=True)
    # empty for complaints filed before secrets were given: their status is not public
    secret_digest = models.CharField(max_length=64, blank=True, editable=False)
    about = models.CharField(
        max_length=12, choices=ComplaintAbout.choices, default=ComplaintAbout.OTHER
    )
    subject = EncryptedTextField()
    details = EncryptedTextField()
    contact = EncryptedTextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    # upheld or rejected, kept when the complaint is closed
    decision = models.CharField(max_length=12, choices=ComplaintStatus.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    resolution = EncryptedTextField(blank=True)
    public_response = EncryptedTextField(blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="complaint_open_idx")]

    def __str__(self) -> str:
        return self.reference


class PurposeCode(models.Model):
    """One entry of the managed list of reasons for reading personal data, exporting or
    sharing (fusion.purpose): a stated purpose names one, beside the words that justify the
    access. Codes are never deleted or renamed (audit entries and shares name them); a code
    no longer used is made inactive."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


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


class ShareGrant(models.Model):
    """One incident shared with one agency (or, for TLP:RED, one named user): who, why, until.

    The guardian permission rows are derived from the live grants of an incident and rebuilt
    in the same transaction whenever a grant starts or ends (see fusion.sharing.shares).
    """

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="shares"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(max_length=20, choices=ShareLevel.choices)
    purpose = models.TextField()
    # A code of fusion.PurposeCode and an optional case or warrant reference
    # (fusion.purpose); database defaults too, for the grants standing agreements
    # insert in SQL.
    purpose_code = models.CharField(max_length=40, default="other", db_default="other")
    case_ref = models.CharField(max_length=100, blank=True, default="", db_default="")
    origin = models.CharField(
        max_length=20, choices=ShareOrigin.choices, default=ShareOrigin.EXPLICIT
    )
    agreement = models.ForeignKey(
        "fusion.SharingAgreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False, user__isnull=True)
                | Q(agency__isnull=True, user__isnull=False),
                name="share_one_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["incident", "revoked_at"], name="share_incident_idx"),
            models.Index(
                fields=["expires_at"],
                name="share_expiry_idx",
                condition=Q(revoked_at__isnull=True, expires_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"share {self.pk} of {self.incident_id} ({self.level})"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.incident.agency_id}


class SharingAgreement(models.Model):
    """A standing rule: the owner's incidents matching it are shared with the recipient."""

    owner = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(default=list, blank=True)  # empty: every category
    severity_min = models.PositiveSmallIntegerField(default=1)
    districts = models.JSONField(default=list, blank=True)  # empty: every district
    level = models.CharField(max_length=20, choices=ShareLevel.choices, default=ShareLevel.VIEW)
    purpose = models.TextField(default="standing sharing agreement")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    apply_error = models.TextField(blank=True)

    class Meta:
        ordering = ["owner__code", "id"]

    def __str__(self) -> str:
        return f"agreement {self.pk}: {self.owner_id} → {self.recipient_id}"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.owner_id}


class Match(models.Model):
    """Two agencies' incidents that look like one event, or name one national id.

    Each side learns only that a match exists and with which agency (fusion.sharing.matching). A
    match outlives its incidents (the reference is emptied), so deleting one side erases
    nothing the other was told; `found_by` is the agency whose write found it. A hint beyond
    an agency's budget of hints received is withheld from that side (`withheld_a`,
    `withheld_b`; fusion.sharing.match_hints).
    """

    kind = models.CharField(max_length=10, choices=MatchKind.choices)
    incident_a = models.ForeignKey(
        "incidents.Incident", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    incident_b = models.ForeignKey(
        "incidents.Incident", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agency_a = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    agency_b = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    found_by = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, null=True, related_name="+"
    )
    withheld_a = models.BooleanField(default=False)
    withheld_b = models.BooleanField(default=False)
    score = models.FloatField()  # a band (fusion.sharing.match_hints), never a measurement
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "matches"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "incident_a", "incident_b"], name="match_pair_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["agency_a", "created_at"], name="match_side_a_idx"),
            models.Index(fields=["agency_b", "created_at"], name="match_side_b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} match {self.pk}"


class AccessRequest(models.Model):
    """An agency asks an owner for access to an incident it learned of through a match."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requester_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.TextField()
    purpose_code = models.CharField(max_length=40, default="other", db_default="other")
    case_ref = models.CharField(max_length=100, blank=True, default="", db_default="")
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    share = models.ForeignKey(
        ShareGrant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"access request {self.pk} ({self.status})"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.incident.agency_id}


class OutboxTask(models.Model):
    """A task for the broker, written in the same transaction as the change that needs it and
    sent after commit; the relay sends again whatever the broker did not take (it was down)."""

    task = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    options = models.JSONField(default=dict)
    # What the task is for (e.g. "analytics.assessment_run:<id>:<attempt>"): at most one
    # unsent row per key, so a retried request or a second relay sends it once.
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(sent_at__isnull=True), name="outbox_one_unsent_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["key", "sent_at"], name="outbox_key_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.key} ({'sent' if self.sent_at else 'unsent'})"


class RetentionPolicy(models.Model):
    """How many days an agency keeps the persons of its incidents of one category
    (fusion.retention): set by the agency's admins; a category with no row takes
    FUSION_RETENTION_DEFAULT_DAYS. The period runs from the incident's `reported_at`."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "incidents.Category", to_field="slug", db_column="category", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    days = models.PositiveIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "retention policies"
        ordering = ["agency_id", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "category"], name="retention_one_per_cat")
        ]

    def __str__(self) -> str:
        return f"retention {self.agency_id}/{self.category_id}: {self.days} days"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.agency_id}


class LegalHold(models.Model):
    """An incident whose persons are kept whatever its retention period says, placed and
    lifted by its agency's admins with a reason (fusion.retention.holds). A lifted hold stays
    as the record of it; an incident has at most one live hold."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="legal_holds"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"], condition=Q(lifted_at__isnull=True), name="legal_hold_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"legal hold {self.pk} on {self.incident_id}"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.incident.agency_id}


class RetentionRun(models.Model):
    """One pass of the retention worker (fusion.retention.runs): a dry run counts the persons
    past their period per agency and category, and fixes each pair's cutoff; a run that
    applies one (`applies`) anonymises only what that dry run counted and is still expired
    and not held. Counts only, never who."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    dry_run = models.BooleanField()
    applies = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="applied_by"
    )
    component = models.CharField(max_length=20, default="worker")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    persons = models.PositiveIntegerField(default=0)
    incidents = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)  # expired persons kept by a legal hold
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "run"
        return f"retention {kind} {self.pk} ({self.status})"


class RetentionCount(models.Model):
    """What one retention run counted (a dry run) or did (an applying run) for one agency
    and category: persons past the period before `cutoff` (reported_at), on how many
    incidents, and how many of them a legal hold kept."""

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="counts")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "incidents.Category", to_field="slug", db_column="category", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    cutoff = models.DateTimeField()
    persons = models.PositiveIntegerField(default=0)
    incidents = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "agency_id", "category_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "agency", "category"], name="retention_count_one_per_cat"
            )
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.agency_id}/{self.category_id}: {self.persons}"
