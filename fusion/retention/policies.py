"""Retention periods: how long an agency keeps the persons of its incidents, per category.

An agency's admins (or a platform admin) set a period in days for a category of the
agency's incidents; a category with no period of its own takes FUSION_RETENTION_DEFAULT_DAYS.
A period runs from the incident's `reported_at`: when the agency recorded it, so an old event
reported late keeps its persons for a whole period. Every change is audited with the period
before and after (auditlog's entry of the policy row; a reset to the default is its delete).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from agencies.models import Agency, User
from agencies.permissions import can_manage_agency
from fusion import audit
from fusion.errors import Invalid, NotAllowed, NotFound
from fusion.models import RetentionPolicy
from incidents.models import Category

MIN_DAYS = 1
MAX_DAYS = 36_500  # a hundred years: beyond it a period is a typing slip


@dataclass(frozen=True)
class Period:
    """A category's period at an agency: its own, or the default."""

    category: Category
    days: int
    is_default: bool
    updated_at: datetime | None = None
    updated_by: User | None = None


def default_days() -> int:
    return int(settings.FUSION_RETENTION_DEFAULT_DAYS)


def require_manager(actor: User, agency: Agency) -> None:
    if not can_manage_agency(actor, agency):
        raise NotAllowed("Only this agency's admins or a platform admin manage its retention.")


def periods_by_pair() -> dict[tuple[int, str], int]:
    """Every period set: (agency id, category slug) → days."""
    rows = RetentionPolicy.objects.values_list("agency_id", "category_id", "days")
    return {(agency, category): days for agency, category, days in rows}


def cutoff_of(days: int, now: datetime) -> datetime:
    """Persons of incidents reported before this are past a period of `days`."""
    return now - timedelta(days=days)


def retention_periods(*, agency: Agency) -> list[Period]:
    """The period of every category at the agency: active categories and any retired one
    that has a period set, in the taxonomy's order."""
    own = {
        policy.category_id: policy
        for policy in RetentionPolicy.objects.filter(agency=agency).select_related("updated_by")
    }
    categories = Category.objects.filter(Q(active=True) | Q(slug__in=list(own)))
    return [_period(category, own.get(category.slug)) for category in categories]


def _period(category: Category, policy: RetentionPolicy | None) -> Period:
    if policy is None:
        return Period(category, default_days(), True)
    return Period(category, policy.days, False, policy.updated_at, policy.updated_by)


def retention_period(*, agency: Agency, category_slug: str) -> Period:
    """One category's period at the agency (404 for a category that does not exist)."""
    category = Category.objects.filter(slug=category_slug).first()
    if category is None:
        raise NotFound("No such category.")
    policy = RetentionPolicy.objects.filter(agency=agency, category=category).first()
    return _period(category, policy)


def _check_days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        message = f"A whole number of days from {MIN_DAYS} to {MAX_DAYS}."
        raise Invalid("Invalid retention period.", errors={"days": [message]})
    return days


def retention_policy_set(*, actor: User, agency: Agency, category_slug: str, days: int) -> Period:
    """Set the agency's period for a category (actor: the agency's admin or a platform admin).
    Raises NotAllowed (403), NotFound (404: no such category) or Invalid (400: `days`)."""
    require_manager(actor, agency)
    period = retention_period(agency=agency, category_slug=category_slug)
    days = _check_days(days)
    with transaction.atomic(), audit.acting_for(actor, agency.pk):
        policy = (
            RetentionPolicy.objects.select_for_update()
            .filter(agency=agency, category=period.category)
            .first()
        )
        if policy is None:
            policy = RetentionPolicy(agency=agency, category=period.category)
        if policy.pk is None or policy.days != days:
            policy.days, policy.updated_by = days, actor
            policy.save()
    return _period(period.category, policy)


def retention_policy_reset(*, actor: User, agency: Agency, category_slug: str) -> Period:
    """Give the category the default period again (audited as the policy's deletion)."""
    require_manager(actor, agency)
    period = retention_period(agency=agency, category_slug=category_slug)
    with transaction.atomic(), audit.acting_for(actor, agency.pk):
        for policy in RetentionPolicy.objects.filter(agency=agency, category=period.category):
            policy.delete()
    return _period(period.category, None)
