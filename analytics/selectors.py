"""Who may request and review assessments, and the earlier run a new one compares with.

Which assessments a user sees is decided in analytics.visibility (`visible_assessments`), which
asks the kernel (fusion.sharing.visibility) about the incidents behind them.
"""

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import agency_ids_with_role
from analytics.choices import Status
from analytics.models import Assessment
from analytics.visibility import ASSESSMENT_REVIEWER_ROLES, visible_assessments

REQUESTER_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR})


def can_review(user: User, assessment: Assessment) -> bool:
    """Reviewer role in the assessment's agency, and not the requester (four eyes)."""
    return assessment.requester_id != user.pk and assessment.agency_id in agency_ids_with_role(
        user, ASSESSMENT_REVIEWER_ROLES
    )


def can_withdraw(user: User, assessment: Assessment) -> bool:
    """Reviewer role in the assessment's agency; its requester too (taking a result back is
    the cautious direction, and needs no second pair of eyes)."""
    return assessment.agency_id in agency_ids_with_role(user, ASSESSMENT_REVIEWER_ROLES)


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
