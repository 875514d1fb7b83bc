"""Complaints: anyone files one; oversight reviews it and decides within a deadline.

received → under_review → upheld | rejected → closed. Any other step is a conflict (409); a
decision needs a resolution. Every step is in the audit trail (auditlog; the complainant's
words and contact masked).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import User
from agencies.permissions import is_oversight, is_platform_admin
from fusion.choices import ComplaintStatus
from fusion.errors import Conflict, Invalid, NotAllowed
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


def complaint_receive(*, subject: str, details: str, contact: str = "", about: str) -> Complaint:
    """Record a complaint; its deadline is FUSION_COMPLAINT_DAYS after receipt."""
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                return Complaint.objects.create(
                    reference=new_reference(),
                    about=about,
                    subject=subject,
                    details=details,
                    contact=contact,
                    received_at=now,
                    due_at=now + timedelta(days=settings.FUSION_COMPLAINT_DAYS),
                )
        except IntegrityError:  # the same random reference twice: draw again
            continue
    raise Conflict("Could not allocate a complaint reference; retry.")


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
            errors={"status": [f"Allowed next: {sorted(NEXT[Status(locked.status)]) or 'none'}."]},
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


def is_overdue(complaint: Complaint) -> bool:
    undecided = complaint.status in (Status.RECEIVED, Status.UNDER_REVIEW)
    return undecided and timezone.now() > complaint.due_at
