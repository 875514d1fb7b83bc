"""Choice sets of sharing: levels, share origins, match kinds, access-request states."""

from django.db import models


class ShareLevel(models.TextChoices):
    VIEW = "view", "View (no persons)"
    VIEW_PERSONS = "view_persons", "View with persons (never witnesses)"


class ShareOrigin(models.TextChoices):
    EXPLICIT = "explicit", "Explicit"
    AGREEMENT = "agreement", "Sharing agreement"
    ACCESS_REQUEST = "access_request", "Approved access request"


class EndReason(models.TextChoices):
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    AGREEMENT_WITHDRAWN = "agreement_withdrawn", "Agreement withdrawn or changed"
    TLP_CHANGED = "tlp_changed", "Incident TLP no longer allows it"
    INCIDENT_CHANGED = "incident_changed", "Incident no longer matches the agreement"


class MatchKind(models.TextChoices):
    EVENT = "event", "Same event"
    PERSON = "person", "Same national id"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class ComplaintAbout(models.TextChoices):
    ASSESSMENT = "assessment", "An assessment"
    SHARE = "share", "A share"
    ACCESS = "access", "An access to data"
    OTHER = "other", "Something else"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    UNDER_REVIEW = "under_review", "Under review"
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"
    CLOSED = "closed", "Closed"
