"""Which assessments and reports a user sees: derived from incidents, so seen only where the
kernel (fusion.sharing.visibility) says every incident behind them is visible.

An assessment is seen by its requester; while pending review by the analysts and coordinators
of the agency it was requested for; once approved by every content reader of that agency;
anyone other than the requester only while every incident of its snapshot is visible to them.
A report is read by its agency's content readers who see every assessment it still shows.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import agency_ids_with_role
from analytics.choices import Status as AssessmentStatus
from analytics.models import Assessment, AssessmentInput, Report
from fusion.sharing.visibility import all_visible, reader_agency_ids

# Who reviews an assessment of their agency (and so sees it while it is pending).
ASSESSMENT_REVIEWER_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR})


def _all_inputs_visible(user: User) -> Exists:
    return all_visible(user, AssessmentInput.objects.filter(assessment=OuterRef("pk")))


def visible_assessments(user: User) -> QuerySet[Assessment]:
    """Every assessment the user may see (see the module docstring)."""
    readers = reader_agency_ids(user)
    if not readers:
        return Assessment.objects.none()
    reviewers = agency_ids_with_role(user, ASSESSMENT_REVIEWER_ROLES)
    others = Q(status=AssessmentStatus.APPROVED, agency_id__in=readers) | Q(
        status=AssessmentStatus.PENDING_REVIEW, agency_id__in=reviewers
    )
    return Assessment.objects.filter(
        Q(requester=user) | (others & ~Q(requester=user) & Q(_all_inputs_visible(user)))
    )


def visible_reports(user: User) -> QuerySet[Report]:
    """Reports of the agencies whose incidents the user reads, when the user may see every
    assessment the report still shows (those still approved)."""
    readers = reader_agency_ids(user)
    if not readers:
        return Report.objects.none()
    hidden = Report.assessments.through.objects.filter(
        report_id=OuterRef("pk"), assessment__status=AssessmentStatus.APPROVED
    ).exclude(assessment_id__in=visible_assessments(user).order_by().values("pk"))
    return Report.objects.filter(agency_id__in=readers).filter(~Exists(hidden))
