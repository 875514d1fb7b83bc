"""Choice sets of assessments and reports."""

from django.db import models


class Kind(models.TextChoices):
    HOTSPOTS = "hotspots", "Hotspots (Getis-Ord Gi*)"
    SURGES = "surges", "Surges per district and category"
    FORECAST = "forecast", "Next-period risk forecast"
    LINKS = "links", "Cross-agency duplicate reports"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PENDING_REVIEW = "pending_review", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


OPEN_STATUSES = (Status.QUEUED, Status.RUNNING)


class MethodStatus(models.TextChoices):
    """Where a method version is in its lifecycle; only oversight changes it."""

    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    RETIRED = "retired", "Retired"


class ReportStatus(models.TextChoices):
    """Where a report's build is: a report made on a schedule is ready when it is made."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class FlagAction(models.TextChoices):
    """What the receiving agency did about a flag when it acknowledged it."""

    PATROL = "patrol", "Patrol"
    INQUIRY = "inquiry", "Inquiry"
    NONE = "none", "None (with a reason)"


class OutcomeSource(models.TextChoices):
    """Where a flag's outcome came from."""

    COMPUTED = "computed", "Computed from later incidents"
    RECORDED = "recorded", "Recorded by a person"
