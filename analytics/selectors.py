"""Which assessments a user may see and review.

- The requester always sees their own assessment.
- A pending result is seen by its possible reviewers: analysts and coordinators of the
  agency it was requested for.
- An approved result is seen by every content reader of that agency.
- Anyone other than the requester sees an assessment only when every incident of its
  snapshot is visible to them now (a derived output is shown only to those who may see all
  of its inputs), decided by the visibility module.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies.choices import CONTENT_ROLES, Role
from agencies.models import User
from agencies.selectors import agency_ids_with_role
from analytics.choices import Status
from analytics.models import Assessment, AssessmentInput
from fusion.visibility import visible_incidents

REVIEWER_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR})
REQUESTER_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR})


def _all_inputs_visible(user: User) -> Exists:
    hidden = AssessmentInput.objects.filter(assessment=OuterRef("pk")).exclude(
        incident_id__in=visible_incidents(user).order_by().values("pk")
    )
    return ~Exists(hidden)


def visible_assessments(user: User) -> QuerySet[Assessment]:
    """Every assessment the user may see (see the module docstring)."""
    readers = agency_ids_with_role(user, CONTENT_ROLES)
    if not readers:
        return Assessment.objects.none()
    reviewers = agency_ids_with_role(user, REVIEWER_ROLES)
    others = Q(status=Status.APPROVED, agency_id__in=readers) | Q(
        status=Status.PENDING_REVIEW, agency_id__in=reviewers
    )
    return Assessment.objects.filter(
        Q(requester=user) | (others & ~Q(requester=user) & Q(_all_inputs_visible(user)))
    )


def can_review(user: User, assessment: Assessment) -> bool:
    """Reviewer role in the assessment's agency, and not the requester (four eyes)."""
    return assessment.requester_id != user.pk and assessment.agency_id in agency_ids_with_role(
        user, REVIEWER_ROLES
    )


def previous_flags(assessment: Assessment) -> Assessment | None:
    """The latest earlier completed run of the same question (same scope key) that the
    requester may see, if any: a run on incidents they cannot see tells them nothing."""
    return (
        visible_assessments(assessment.requester)
        .filter(
            scope_key=assessment.scope_key,
            status__in=(Status.PENDING_REVIEW, Status.APPROVED),
            created_at__lt=assessment.created_at,
        )
        .exclude(pk=assessment.pk)
        .order_by("-created_at")
        .first()
    )
