"""Every write about users, agencies, memberships, service accounts and tokens."""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from knox.models import AuthToken

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Membership, ServiceAccount, User
from agencies.permissions import can_manage_agency, is_platform_admin
from agencies.selectors import forget_roles
from fusion import audit
from fusion.errors import Conflict, Invalid, NotAllowed

# Roles that only make sense in one kind of agency.
_ROLE_KIND = {Role.COORDINATOR: AgencyKind.FUSION_CENTRE, Role.OVERSIGHT: AgencyKind.OVERSIGHT}
_OVERSIGHT_AGENCY_ROLES = {Role.OVERSIGHT, Role.AGENCY_ADMIN}


def _require_platform_admin(actor: User) -> None:
    if not is_platform_admin(actor):
        raise NotAllowed("Only platform admins may do this.")


def _require_manager(actor: User, agency: Agency) -> None:
    if not can_manage_agency(actor, agency):
        raise NotAllowed("Only this agency's admins or a platform admin may do this.")


@audit.attributed
@transaction.atomic
def agency_create(*, actor: User, code: str, name: str, kind: str) -> Agency:
    """Create an agency and its permission group. Actor: platform admin.

    Raises NotAllowed for other actors, Conflict when the code is taken.
    """
    _require_platform_admin(actor)
    if Agency.objects.filter(code=code).exists():
        raise Conflict(f"An agency with code {code!r} exists.", errors={"code": ["Taken."]})
    group, _ = Group.objects.get_or_create(name=f"agency:{code}")
    return Agency.objects.create(code=code, name=name, kind=kind, group=group)


@audit.attributed
@transaction.atomic
def user_create(*, actor: User, username: str, password: str, email: str = "") -> User:
    """Create a login. Actor: platform admin. Raises Invalid (weak password), Conflict (taken)."""
    _require_platform_admin(actor)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("That username is taken.", errors={"username": ["Taken."]})
    user = User(username=username, email=email)
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise Invalid("Password rejected.", errors={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save()
    return user


@audit.attributed
@transaction.atomic
def user_set_active(*, actor: User, user: User, is_active: bool) -> User:
    """Activate or deactivate a login; deactivation revokes every token. Actor: platform admin."""
    _require_platform_admin(actor)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    if not is_active:
        tokens_revoke_all(user=user)
    return user


def tokens_revoke_all(*, user: User) -> int:
    """Delete every API token of the user; returns how many."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def _check_role_fits(agency: Agency, role: str) -> None:
    kind = _ROLE_KIND.get(Role(role))
    if kind and agency.kind != kind:
        raise Invalid(
            f"Role {role!r} exists only in agencies of kind {kind.value!r}.",
            errors={"role": [f"Not allowed in a {agency.kind} agency."]},
        )
    if agency.kind == AgencyKind.OVERSIGHT and role not in _OVERSIGHT_AGENCY_ROLES:
        raise Invalid(
            "Oversight bodies have oversight members and admins only.",
            errors={"role": ["Not allowed in an oversight agency."]},
        )


@audit.attributed
@transaction.atomic
def member_add(*, actor: User, agency: Agency, user: User, role: str) -> Membership:
    """Give a user a role in an agency. Actor: that agency's admin or a platform admin.

    Raises NotAllowed, Invalid (role does not fit the agency kind, service account),
    Conflict (already a member).
    """
    _require_manager(actor, agency)
    _check_role_fits(agency, role)
    if user.is_service_account:
        raise Invalid(
            "Service accounts are not members.", errors={"username": ["Service account."]}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, agency=agency, role=role)
    except IntegrityError as exc:
        raise Conflict("Already a member.", errors={"username": ["Already a member."]}) from exc
    user.groups.add(agency.group)
    forget_roles(user)
    return membership


@audit.attributed
@transaction.atomic
def member_remove(*, actor: User, membership: Membership) -> None:
    """End a membership and revoke the user's tokens. Actor: agency admin or platform admin."""
    _require_manager(actor, membership.agency)
    user = membership.user
    user.groups.remove(membership.agency.group)
    membership.delete()
    tokens_revoke_all(user=user)
    forget_roles(user)


def _service_username(agency: Agency, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "system"
    return f"svc.{agency.code}.{slug}"


@audit.attributed
@transaction.atomic
def service_account_create(*, actor: User, agency: Agency, name: str) -> tuple[ServiceAccount, str]:
    """Create an agency system's account and its first token (returned once, stored hashed).

    Actor: that agency's admin or a platform admin. Raises NotAllowed, Invalid (an oversight
    body submits no incidents), Conflict (name taken).
    """
    _require_manager(actor, agency)
    if agency.kind == AgencyKind.OVERSIGHT:
        raise Invalid(
            "Oversight bodies submit no incidents, so they have no service accounts.",
            errors={"agency": ["An oversight agency has no service accounts."]},
        )
    username = _service_username(agency, name)
    if User.objects.filter(username=username).exists():
        raise Conflict("A service account with that name exists.", errors={"name": ["Taken."]})
    user = User(username=username)
    user.set_unusable_password()
    user.save()
    account = ServiceAccount.objects.create(user=user, agency=agency, name=name, created_by=actor)
    Membership.objects.create(user=user, agency=agency, role=Role.SUBMITTER)
    user.groups.add(agency.group)
    _, token = AuthToken.objects.create(user=user, expiry=settings.FUSION_SERVICE_TOKEN_TTL)
    return account, token


@audit.attributed
@transaction.atomic
def service_account_deactivate(*, actor: User, account: ServiceAccount) -> None:
    """Disable a service account and revoke its tokens. Actor: agency admin or platform admin."""
    _require_manager(actor, account.agency)
    account.user.is_active = False
    account.user.save(update_fields=["is_active"])
    tokens_revoke_all(user=account.user)


def token_issue(*, username: str, password: str) -> tuple[User, str, datetime] | None:
    """Check credentials and issue a hashed, expiring token; None when they are wrong."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    ttl: timedelta = settings.REST_KNOX["TOKEN_TTL"]
    instance, token = AuthToken.objects.create(user=user, expiry=ttl)
    return user, token, instance.expiry
