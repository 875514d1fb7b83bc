"""Reads about users' agencies and roles, cached on the user object for one request."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from knox.models import AuthToken

from agencies.choices import CONTENT_ROLES, AgencyKind
from agencies.models import Agency, Membership, ServiceAccount, TokenUse, User

_CACHE_ATTR = "_fusion_roles"
_OVERSIGHT_ATTR = "_fusion_oversight_agencies"
_SCOPES_ATTR = "_fusion_scopes"


def roles_of(user: User) -> dict[int, str]:
    """Map agency id → the user's role there; empty for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        # The service account's scopes come with the same query (agencies.api.permissions).
        rows = Membership.objects.filter(user=user).values_list(
            "agency_id", "role", "agency__kind", "user__service_account__scopes"
        )
        cached = {agency: role for agency, role, _, _ in rows}
        oversight = {agency for agency, _, kind, _ in rows if kind == AgencyKind.OVERSIGHT}
        setattr(user, _CACHE_ATTR, cached)
        setattr(user, _OVERSIGHT_ATTR, frozenset(oversight))
        if rows:
            scopes = rows[0][3]
            setattr(user, _SCOPES_ATTR, None if scopes is None else frozenset(scopes))
    return cached


def service_scopes(user: User) -> frozenset[str] | None:
    """The scopes of a service account's tokens; None for a person (and anonymous callers)."""
    if not getattr(user, "is_authenticated", False):
        return None
    roles_of(user)
    if not hasattr(user, _SCOPES_ATTR):  # no membership, or inactive: ask directly
        scopes = ServiceAccount.objects.filter(user=user).values_list("scopes", flat=True).first()
        setattr(user, _SCOPES_ATTR, None if scopes is None else frozenset(scopes))
    return getattr(user, _SCOPES_ATTR)


def oversight_agency_ids(user: User) -> frozenset[int]:
    """The oversight bodies the user belongs to (in whatever role)."""
    roles_of(user)
    return getattr(user, _OVERSIGHT_ATTR, frozenset())


def stand_in(username: str, roles: dict[int, str]) -> User:
    """An unsaved user holding `roles` (agency id → role) and nothing else: who an account
    not yet made would be, for checks that must write nothing (a dry run). Its id is one no
    user has, so it has no named shares, tokens or scopes."""
    user = User(id=0, username=username, is_active=True)
    oversight = Agency.objects.filter(pk__in=roles, kind=AgencyKind.OVERSIGHT)
    setattr(user, _CACHE_ATTR, dict(roles))
    setattr(user, _OVERSIGHT_ATTR, frozenset(oversight.values_list("pk", flat=True)))
    setattr(user, _SCOPES_ATTR, None)
    return user


def forget_roles(user: User) -> None:
    """Drop the cached roles after memberships change."""
    for attr in (_CACHE_ATTR, _OVERSIGHT_ATTR, _SCOPES_ATTR):
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


def content_readers() -> QuerySet[User]:
    """Active users holding a role that reads incident content (in the terms of
    `agency_ids_with_role`): the only users an incident may be shared with by name."""
    reading = Membership.objects.filter(user=OuterRef("pk"), role__in=CONTENT_ROLES).exclude(
        agency__kind=AgencyKind.OVERSIGHT
    )
    return User.objects.filter(Exists(reading), is_active=True)


def user_by_username(username: str) -> User | None:
    """The user with this username, or None. Callers answer None and "may not" alike."""
    return User.objects.filter(username=username).first()


def service_account_tokens(account: ServiceAccount) -> QuerySet[AuthToken]:
    """The account's live tokens, oldest first, with `last_used` (None: never used)."""
    last_used = TokenUse.objects.filter(token=OuterRef("pk")).values("last_used_at")
    return (
        AuthToken.objects.filter(user_id=account.user_id, expiry__gt=timezone.now())
        .annotate(last_used=Subquery(last_used))
        .order_by("created")
    )
