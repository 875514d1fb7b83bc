"""Reads about users' agencies and roles, cached on the user object for one request."""

from collections.abc import Iterable

from agencies.choices import AgencyKind
from agencies.models import Agency, Membership, User

_CACHE_ATTR = "_fusion_roles"
_OVERSIGHT_ATTR = "_fusion_oversight_agencies"


def roles_of(user: User) -> dict[int, str]:
    """Map agency id → the user's role there; empty for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = Membership.objects.filter(user=user).values_list("agency_id", "role", "agency__kind")
        cached = {agency: role for agency, role, _ in rows}
        oversight = {agency for agency, _, kind in rows if kind == AgencyKind.OVERSIGHT}
        setattr(user, _CACHE_ATTR, cached)
        setattr(user, _OVERSIGHT_ATTR, frozenset(oversight))
    return cached


def oversight_agency_ids(user: User) -> frozenset[int]:
    """The oversight bodies the user belongs to (in whatever role)."""
    roles_of(user)
    return getattr(user, _OVERSIGHT_ATTR, frozenset())


def forget_roles(user: User) -> None:
    """Drop the cached roles after memberships change."""
    for attr in (_CACHE_ATTR, _OVERSIGHT_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def agency_ids_with_role(user: User, roles: Iterable[str]) -> list[int]:
    """Ids of the agencies where the user works with incidents in one of `roles`: reading,
    writing, reviewing, sharing. An oversight body is never one of them, whatever the role a
    member holds there (its admin manages its members and reads its notifications, see
    agencies.permissions): oversight reads no incident content and submits nothing."""
    wanted = set(roles)
    oversight = oversight_agency_ids(user)
    return sorted(
        agency
        for agency, role in roles_of(user).items()
        if role in wanted and agency not in oversight
    )


def agency_by_code(code: str) -> Agency | None:
    """The agency with this code, or None."""
    return Agency.objects.filter(code=code).first()
