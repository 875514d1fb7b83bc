"""Complaints: anyone files one; oversight reviews it and decides within a deadline.

received → under_review → upheld | rejected → closed. Any other step is a conflict (409); a
decision needs a resolution. Every step is in the audit trail (auditlog; the complainant's
words and contact masked).

Filing answers with a reference and a secret, shown once: with both, the complainant (who has
no account) reads the complaint's status and oversight's public response, never its internal
resolution. Only a digest of the secret is stored.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import User
from agencies.permissions import is_oversight, is_platform_admin
from fusion.choices import ComplaintStatus
from fusion.errors import Conflict, Invalid, NotAllowed, NotFound
from fusion.models import Complaint

Status = ComplaintStatus
NEXT = {
    Status.RECEIVED: {Status.UNDER_REVIEW},
    Status.UNDER_REVIEW: {Status.UPHELD, Status.REJECTED},
    Status.UPHELD: {Status.CLOSED},
    Status.REJECTED: {Status.CLOSED},
    Status.CLOSED: set(),
}
DECISIONS = {Status.UPHELD, Status.REJECTED}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_reference() -> str:
    return "C-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def _digest(secret: str) -> str:
    """The stored form of a complaint's secret. The secret is 192 random bits, so a plain
    SHA-256 cannot be reversed by guessing (no slow password hash is needed), and the digest
    needs no key that could be rotated away."""
    return hashlib.sha256(secret.encode()).hexdigest()


# What an unknown reference's secret is compared with, so that a wrong reference and a wrong
# secret take the same steps.
_NO_DIGEST = _digest("no complaint has this secret")


def complaint_file(
    *, subject: str, details: str, contact: str = "", about: str
) -> tuple[Complaint, str]:
    """Record a complaint; its deadline is FUSION_COMPLAINT_DAYS after receipt. Returns it
    and its secret, which is stored only as a digest (shown once, to the complainant)."""
    now = timezone.now()
    secret = secrets.token_urlsafe(24)
    for _ in range(3):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    reference=new_reference(),
                    secret_digest=_digest(secret),
                    about=about,
                    subject=subject,
                    details=details,
                    contact=contact,
                    received_at=now,
                    due_at=now + timedelta(days=settings.FUSION_COMPLAINT_DAYS),
                )
                return complaint, secret
        except IntegrityError:  # the same random reference twice: draw again
            continue
    raise Conflict("Could not allocate a complaint reference; retry.")


def complaint_receive(*, subject: str, details: str, contact: str = "", about: str) -> Complaint:
    """Record a complaint (`complaint_file`, without its secret)."""
    return complaint_file(subject=subject, details=details, contact=contact, about=about)[0]


def complaint_with_secret(*, reference: str, secret: str) -> Complaint:
    """The complaint with this reference, for its complainant. Raises NotFound alike for an
    unknown reference and a wrong secret; the digests are compared in constant time."""
    complaint = Complaint.objects.filter(reference=reference.strip().upper()).first()
    stored = complaint.secret_digest if complaint is not None else ""
    same = hmac.compare_digest(_digest(secret), stored or _NO_DIGEST)
    if complaint is None or not stored or not same:
        raise NotFound()
    return complaint


def may_handle_complaints(user: User) -> bool:
    return is_platform_admin(user) or is_oversight(user)


@transaction.atomic
def complaint_advance(
    *, actor: User, complaint: Complaint, status: str, resolution: str = ""
) -> Complaint:
    """Move a complaint one step on. Raises NotAllowed unless oversight or a platform admin;
    Conflict when the step is not allowed from where the complaint is; Invalid naming
    `resolution` when a decision has none."""
    if not may_handle_complaints(actor):
        raise NotAllowed("Only oversight members and platform admins handle complaints.")
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    target = Status(status)
    if target not in NEXT[Status(locked.status)]:
        raise Conflict(
            f"A complaint {locked.get_status_display().lower()} cannot become "
            f"{target.label.lower()}.",
            errors={"status": [f"Allowed next: {_allowed_next(Status(locked.status))}."]},
        )
    if target in DECISIONS and not resolution.strip():
        raise Invalid("A decision needs a resolution.", errors={"resolution": ["Required."]})
    locked.status = target
    locked.handled_by = actor
    if resolution.strip():
        locked.resolution = resolution.strip()
    if target in DECISIONS:
        locked.decision, locked.decided_at = target, timezone.now()
    locked.save()
    return locked


def _allowed_next(status: ComplaintStatus) -> str:
    """The statuses a complaint may take next, as the API spells them."""
    return ", ".join(sorted(step.value for step in NEXT[status])) or "none"


@transaction.atomic
def complaint_respond(*, actor: User, complaint: Complaint, text: str) -> Complaint:
    """Set the response the complainant reads with their reference and secret (oversight's
    internal resolution stays internal). Raises NotAllowed unless oversight or a platform
    admin."""
    if not may_handle_complaints(actor):
        raise NotAllowed("Only oversight members and platform admins handle complaints.")
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    locked.public_response, locked.handled_by = text.strip(), actor
    locked.save()
    return locked


def is_overdue(complaint: Complaint) -> bool:
    undecided = complaint.status in (Status.RECEIVED, Status.UNDER_REVIEW)
    return undecided and timezone.now() > complaint.due_at
