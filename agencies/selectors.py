"""Reads about users' agencies and roles, cached on the user object for one request."""

from collections.abc import Iterable

from agencies.models import Agency, Membership, User

_CACHE_ATTR = "_fusion_roles"


def roles_of(user: User) -> dict[int, str]:
    """Map agency id → the user's role there; empty for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("agency_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: User) -> None:
    """Drop the cached roles after memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def agency_ids_with_role(user: User, roles: Iterable[str]) -> list[int]:
    """Ids of the agencies where the user holds one of `roles`."""
    wanted = set(roles)
    return sorted(agency for agency, role in roles_of(user).items() if role in wanted)


def agency_by_code(code: str) -> Agency | None:
    """The agency with this code, or None."""
    return Agency.objects.filter(code=code).first()
