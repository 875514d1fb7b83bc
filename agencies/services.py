"""Every write about users, agencies, memberships, service accounts and tokens."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken

from agencies import lockout, second_factor
from agencies.choices import DEFAULT_SCOPES, AgencyKind, Role
from agencies.models import (
    Agency,
    CredentialAgency,
    Membership,
    ServiceAccount,
    TokenUse,
    User,
)
from agencies.permissions import can_add_member, can_manage_agency, is_platform_admin
from agencies.selectors import forget_roles, service_scopes
from fusion import after_response, audit
from fusion.errors import Conflict, Invalid, NotAllowed

# Roles that only make sense in one kind of agency.
_ROLE_KIND = {Role.COORDINATOR: AgencyKind.FUSION_CENTRE, Role.OVERSIGHT: AgencyKind.OVERSIGHT}
_OVERSIGHT_AGENCY_ROLES = {Role.OVERSIGHT, Role.AGENCY_ADMIN}
# One answer for an unknown username and for a user the actor may not add: no enumeration.
NO_USER_TO_ADD = "No user you may add has this username."
MAX_LIVE_SERVICE_TOKENS = 2


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
    """Activate or deactivate a login; deactivation ends every token and browser session.
    Actor: platform admin."""
    _require_platform_admin(actor)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    if not is_active:
        credentials_end_all(user=user)
    return user


def tokens_revoke_all(*, user: User) -> int:
    """Delete every API token of the user; returns how many."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def _sessions_end(keys: Iterable[str]) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


def credentials_end_all(*, user: User) -> None:
    """End every API token and every browser session of the user (sessions are found by
    decoding the live ones: this runs on deactivation and on leaving the last agency)."""
    tokens_revoke_all(user=user)
    live = Session.objects.filter(expire_date__gt=timezone.now())
    mine = [s.session_key for s in live if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    _sessions_end(mine)
    CredentialAgency.objects.filter(user=user).delete()


def credentials_end_for(*, user: User, agency: Agency) -> None:
    """End the user's tokens and sessions that acted for `agency` (CredentialAgency); the
    others keep working."""
    used = CredentialAgency.objects.filter(user=user, agency=agency)
    sessions = list(used.exclude(session_key="").values_list("session_key", flat=True))
    _sessions_end(sessions)
    CredentialAgency.objects.filter(user=user, session_key__in=sessions).delete()
    acted = used.filter(token__isnull=False).values("token_id")
    AuthToken.objects.filter(digest__in=acted).delete()


def _check_role_fits(agency: Agency, role: str) -> None:
    kind = _ROLE_KIND.get(Role(role))
    if kind and agency.kind != kind:
        raise Invalid(
            f"Role '{Role(role).value}' exists only in agencies of kind '{kind.value}'.",
            errors={"role": [f"Not allowed in a {agency.kind} agency."]},
        )
    if agency.kind == AgencyKind.OVERSIGHT and role not in _OVERSIGHT_AGENCY_ROLES:
        raise Invalid(
            "Oversight bodies have oversight members and admins only.",
            errors={"role": ["Not allowed in an oversight agency."]},
        )


@audit.attributed
@transaction.atomic
def member_add(*, actor: User, agency: Agency, user: User | None, role: str) -> Membership:
    """Give a user a role in an agency. Actor: that agency's admin or a platform admin.

    An agency admin adds only users who belong to no agency and are not platform admins or
    staff (`can_add_member`); anyone else joins through the platform admin. `user=None` (an
    unknown username) and a user the actor may not add get the same Invalid, so the answer
    tells nothing about other agencies' users. Raises NotAllowed, Invalid (that, a role that
    does not fit the agency kind, a service account), Conflict (already a member here).
    """
    _require_manager(actor, agency)
    _check_role_fits(agency, role)
    if user is not None and Membership.objects.filter(user=user, agency=agency).exists():
        raise Conflict("Already a member.", errors={"username": ["Already a member."]})
    if user is None or not can_add_member(actor, user):
        raise Invalid(errors={"username": [NO_USER_TO_ADD]})
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
    """End a membership, and the user's tokens and sessions that acted for that agency (all of
    them when it was the user's last agency, unless a platform admin). Actor: agency admin or
    platform admin."""
    _require_manager(actor, membership.agency)
    user, agency = membership.user, membership.agency
    user.groups.remove(agency.group)
    membership.delete()
    forget_roles(user)
    if Membership.objects.filter(user=user).exists() or is_platform_admin(user):
        credentials_end_for(user=user, agency=agency)
    else:
        credentials_end_all(user=user)


def _service_username(agency: Agency, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "system"
    return f"svc.{agency.code}.{slug}"


@audit.attributed
@transaction.atomic
def service_account_create(
    *, actor: User, agency: Agency, name: str, scopes: Sequence[str] = DEFAULT_SCOPES
) -> tuple[ServiceAccount, str]:
    """Create an agency system's account and its first token (returned once, stored hashed).

    Its tokens may do only what `scopes` allow (agencies.choices.Scope; by default submit
    incidents, read nothing). Actor: that agency's admin or a platform admin. Raises
    NotAllowed, Invalid (an oversight body submits no incidents), Conflict (name taken).
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
    account = ServiceAccount.objects.create(
        user=user, agency=agency, name=name, created_by=actor, scopes=sorted(set(scopes))
    )
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


@audit.attributed
@transaction.atomic
def service_token_issue(*, actor: User, account: ServiceAccount) -> tuple[AuthToken, str]:
    """Issue another token for a service account (returned once), for a changeover without
    downtime: the old token stays valid until revoked. At most two live tokens.

    Actor: that agency's admin or a platform admin. Raises NotAllowed, Invalid (deactivated),
    Conflict (two live tokens already).
    """
    _require_manager(actor, account.agency)
    ServiceAccount.objects.select_for_update().filter(pk=account.pk).first()  # one at a time
    if not account.user.is_active:
        raise Invalid("This service account is deactivated.")
    tokens = AuthToken.objects.filter(user=account.user)
    tokens.filter(expiry__lte=timezone.now()).delete()
    if tokens.count() >= MAX_LIVE_SERVICE_TOKENS:
        raise Conflict(
            f"A service account holds at most {MAX_LIVE_SERVICE_TOKENS} live tokens: "
            "revoke one first."
        )
    instance, token = AuthToken.objects.create(
        user=account.user, expiry=settings.FUSION_SERVICE_TOKEN_TTL
    )
    audit.log_event(
        event="service_account.token_issued", obj=account, details={"prefix": instance.token_key}
    )
    return instance, token


@audit.attributed
@transaction.atomic
def service_token_revoke(*, actor: User, account: ServiceAccount, token: AuthToken) -> None:
    """Revoke one token of a service account. Actor: that agency's admin or a platform admin.
    Raises NotAllowed."""
    _require_manager(actor, account.agency)
    audit.log_event(
        event="service_account.token_revoked", obj=account, details={"prefix": token.token_key}
    )
    token.delete()


TOKEN_USE_STEP = timedelta(minutes=1)


def token_touch(*, token: AuthToken, user: User) -> None:
    """Note when a service account's token was last used (for its owners' token list), to the
    minute. The write is done once the response is sent, outside the call's transaction:
    inside it, every concurrent call of one token would wait on that row until commit."""
    if service_scopes(user) is None:
        return
    now = timezone.now()
    last = TokenUse.objects.filter(token=token).values_list("last_used_at", flat=True).first()
    if last is not None and now - last < TOKEN_USE_STEP:
        return
    digest = token.digest

    def write() -> None:
        TokenUse.objects.bulk_create(
            [TokenUse(token_id=digest, last_used_at=now)],
            update_conflicts=True,
            unique_fields=["token"],
            update_fields=["last_used_at"],
        )

    if not after_response.defer(write):
        write()


@dataclass(frozen=True)
class TokenRefused:
    """Why no token was issued: `credentials` (wrong, or no such user), `locked` (lockout),
    `second_factor` (a code was needed and missing or wrong), `enrol` (a second factor is
    required and none is enrolled: `enrolment_token` lets the user enrol one, nothing else)."""

    reason: str
    enrolment_token: str = ""


def token_issue(
    *, request: HttpRequest, username: str, password: str, otp: str = ""
) -> tuple[User, str, datetime] | TokenRefused:
    """Check credentials (and the second factor where needed) and issue a hashed, expiring
    token. `request` lets axes count failures and lock the username (agencies.lockout); a
    wrong or missing code counts as a failed login. Refusals are returned, not raised: the
    failure counts and audit entries they write must be committed."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return TokenRefused("locked" if lockout.is_locked_out(request) else "credentials")
    if second_factor.code_needed(user):
        if not second_factor.has_device(user):
            return TokenRefused("enrol", enrolment_token=second_factor.enrolment_token(user))
        if second_factor.verify(user, otp) is None:
            lockout.second_factor_failed(request, username)
            locked = lockout.is_locked_out(request)
            return TokenRefused("locked" if locked else "second_factor")
    ttl: timedelta = settings.REST_KNOX["TOKEN_TTL"]
    instance, token = AuthToken.objects.create(user=user, expiry=ttl)
    user_logged_in.send(sender=type(user), request=request, user=user)  # resets the failures
    return user, token, instance.expiry
