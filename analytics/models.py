"""Assessments: a requested analysis, its input snapshot, its review; backtests; standing runs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from analytics.choices import (
    Decision,
    FlagAction,
    Kind,
    MethodStatus,
    OutcomeSource,
    ReportStatus,
    Status,
)


class Assessment(models.Model):
    """One run of one method over the incidents its requester could see when asking.

    The record is the accountability trail of the run: who asked, for which agency, the scope
    and parameters, the method and code version, the input snapshot (`inputs` and its hash),
    timings, progress, error, the result with its evidence and bias checks, and the review.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    standing = models.ForeignKey(
        "analytics.StandingAssessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    scope = models.JSONField()
    params = models.JSONField()
    scope_key = models.CharField(max_length=64, db_index=True)
    # The request as the requester made it (window as given): a repeat while this one is
    # open is answered with this one (a retried POST makes no second run).
    request_key = models.CharField(max_length=64, blank=True, db_index=True)
    method_version = models.CharField(max_length=20)
    code_version = models.CharField(max_length=40)
    seed = models.PositiveIntegerField(default=0)
    input_count = models.PositiveIntegerField(default=0)
    input_hash = models.CharField(max_length=64, blank=True)
    input_agencies = models.JSONField(default=list)
    tlp = models.CharField(max_length=12, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict)
    # The earlier run of the same question its flag persistence was measured against.
    compared_with = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    rationale = models.TextField(blank=True)
    acknowledged_warnings = models.JSONField(default=list)
    # An approved result taken back: it leaves reports, lists and other users' views.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requester", "status"], name="assessment_requester_idx"),
            models.Index(fields=["agency", "status", "-created_at"], name="assessment_agency_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="assessment_progress_pct"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} assessment {self.pk} ({self.status})"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.agency_id}

    @property
    def finished(self) -> bool:
        return self.status not in (Status.QUEUED, Status.RUNNING)


class AssessmentInput(models.Model):
    """One incident of an assessment's snapshot, copied as the method reads it.

    The copy is the snapshot: later edits, deletions or shares of the incident cannot change
    what the run computed, and re-running from these rows reproduces the result.
    """

    id = models.BigAutoField(primary_key=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="inputs")
    incident_id = models.UUIDField()
    incident_version = models.PositiveIntegerField()
    agency_id = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    category = models.CharField(max_length=50)
    latitude = models.FloatField()
    longitude = models.FloatField()
    district = models.CharField(max_length=100, blank=True)
    killed = models.PositiveIntegerField(null=True, blank=True)  # NULL: unknown
    injured = models.PositiveIntegerField(null=True, blank=True)
    location_precision = models.CharField(max_length=10, db_default="exact")
    description = models.TextField(blank=True)
    tlp = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "incident_id"], name="assessment_input_unique"
            )
        ]

    def __str__(self) -> str:
        return f"input {self.incident_id} of {self.assessment_id}"


class BacktestRun(models.Model):
    """Accuracy of one method version measured on data: the source of model-card metrics."""

    method = models.CharField(max_length=12, choices=Kind.choices)
    method_version = models.CharField(max_length=20)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dataset = models.CharField(max_length=200)
    metrics = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["method", "-created_at"], name="backtest_method_idx")]

    def __str__(self) -> str:
        return f"backtest {self.method} {self.method_version} on {self.dataset}"


class MethodStatusChange(models.Model):
    """One decision of oversight on a method version's status, with its rationale.

    Append-only: the history of a version is its changes in `number` order, and its status is
    the latest one's (active when there is none). `number` counts a version's changes from 1;
    two decisions taken at once on the same version cannot both be next (unique), so the
    later one is refused rather than silently stacked.
    """

    method = models.CharField(max_length=12, choices=Kind.choices)
    version = models.CharField(max_length=20)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=MethodStatus.choices)
    rationale = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The oversight body the actor decided for: named on the model card (the member is in the
    # audit trail).
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["method", "version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "version", "number"], name="method_status_change_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.version} {self.status} (#{self.number})"


class StandingAssessment(models.Model):
    """An assessment Celery beat requests on a schedule, on behalf of a named owner."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    request = models.JSONField(default=dict)
    every_days = models.PositiveSmallIntegerField(default=7)
    window_days = models.PositiveSmallIntegerField(default=90)
    active = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(every_days__gte=1), name="standing_every_positive"),
            models.CheckConstraint(
                condition=Q(window_days__gte=1), name="standing_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"standing {self.kind} '{self.name}'"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.agency_id}


class Report(models.Model):
    """A report for decision makers of one agency: the assessments it approved in
    [period_start, period_end) (analytics.reports). What it shows is worked out when it is
    read, from those still approved, so a withdrawn result leaves every report. One per agency
    and period, whether made weekly or asked for (analytics.report_requests): an asked-for
    one is built by a worker, and `status` says where that build is."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    assessments = models.ManyToManyField(Assessment, related_name="+")
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.READY
    )
    error = models.TextField(blank=True)
    # Who asked for it (null: made on the schedule).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "agency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period_start", "period_end"], name="report_period_uniq"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="report_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.agency_id} {self.period_start} to {self.period_end}"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.agency_id}


class Flag(models.Model):
    """One flag of an approved result, what its agency did about it and what followed.

    A flag is a hot cell (hotspots), a flagged cell (forecast), a surging district and
    category (surges) or a proposed duplicate pair (links), raised when its assessment is
    approved (analytics.flags). `place` says where it is: a cell's box [west, south, east,
    north], a surge's district and category, a link's two incident ids. `period_start` and
    `period_end` bound the period the flag is about (none for links). The agency acknowledges
    it once (who, when, which action); its outcome (did an incident occur there in the period)
    is computed from later incidents, or recorded by a person where it cannot be. Flags are
    about places and periods, never about a person.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="flags")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=200)
    district = models.CharField(max_length=100, blank=True)
    place = models.JSONField(default=dict)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()  # when its result was approved
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action = models.CharField(max_length=8, choices=FlagAction.choices, blank=True)
    reason = models.TextField(blank=True)
    # True: an incident occurred there in the period (for a link: the pair is one event).
    outcome = models.BooleanField(null=True, blank=True)
    outcome_source = models.CharField(max_length=8, choices=OutcomeSource.choices, blank=True)
    outcome_incidents = models.PositiveIntegerField(null=True, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_note = models.TextField(blank=True)
    outcome_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["agency", "created_at"], name="flag_agency_created_idx"),
            models.Index(fields=["outcome_at"], name="flag_outcome_at_idx"),
            models.Index(fields=["acknowledged_at"], name="flag_acknowledged_at_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="flag_assessment_key_uniq"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, action="")
                | Q(acknowledged_at__isnull=False) & ~Q(action=""),
                name="flag_acknowledged_with_action",
            ),
            models.CheckConstraint(
                condition=Q(outcome__isnull=True) | Q(outcome_at__isnull=False),
                name="flag_outcome_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} flag {self.key} of {self.assessment_id}"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.agency_id}
