"""Explicit shares: grant, revoke, expire; and keeping shares lawful when an incident changes.

Every change to grants rebuilds the incident's guardian rows in the same transaction
(`permission_store.rebuild`), so visibility follows at once.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, User
from agencies.permissions import is_platform_admin, reads_content
from agencies.selectors import roles_of
from fusion import audit
from fusion.choices import EndReason, ShareOrigin
from fusion.errors import Conflict, Invalid, NotAllowed, NotFound
from fusion.models import ShareGrant, SharingAgreement
from fusion.purpose import stated_purpose
from fusion.sharing import permission_store
from fusion.sharing.tlp import check_share, share_violation
from incidents.models import Incident


def can_share(actor: User, incident: Incident) -> bool:
    """Only the owning agency's admins share its incidents (recipients never re-share)."""
    return roles_of(actor).get(incident.agency_id) == Role.AGENCY_ADMIN


def _require_sharer(actor: User, incident: Incident) -> None:
    if not can_share(actor, incident):
        raise NotAllowed("Only the owning agency's admins share or revoke this incident.")


# The one answer for an unknown username and for a user who reads nothing (the share input
# serializer gives it too): a sharer learns nothing about who exists.
NO_RECIPIENT = "No user who reads incidents has this username."


def _check_recipient_user(user: User | None) -> None:
    if user is not None and not reads_content(user):
        raise Invalid(errors={"user": [NO_RECIPIENT]})


def _check_expiry(expires_at: datetime | None) -> None:
    """An expiry lies in the future, at most FUSION_SHARE_MAX_DAYS away."""
    if expires_at is None:
        return
    now = timezone.now()
    if expires_at <= now:
        raise Invalid(errors={"expires_at": ["Must lie in the future."]})
    days = settings.FUSION_SHARE_MAX_DAYS
    if expires_at > now + timedelta(days=days):
        raise Invalid(errors={"expires_at": [f"A share lasts at most {days} days."]})


@transaction.atomic
def share_grant(
    *,
    actor: User,
    incident: Incident,
    level: str,
    purpose: str,
    purpose_code: str | None = None,
    case_ref: str | None = None,
    agency: Agency | None = None,
    user: User | None = None,
    expires_at: datetime | None = None,
    origin: str = ShareOrigin.EXPLICIT,
) -> ShareGrant:
    """Share one incident with an agency (or a named user for TLP:RED).

    Actor: an admin of the owning agency. Raises NotAllowed, Invalid (TLP rule with the
    reason, purpose and its code or reference, expiry past or beyond FUSION_SHARE_MAX_DAYS,
    recipient), Conflict (an explicit share with the same recipient is live: one revocation
    must end what one share gave), NotFound (the incident was deleted meanwhile).

    The rules are checked on the incident as it is once its row is locked, not on the copy
    the caller read: a TLP raised to RED meanwhile (which ends the shares RED forbids) is
    seen, so no agency share of a RED incident can slip in behind it.
    """
    incident = _locked(incident)
    _require_sharer(actor, incident)
    stated = stated_purpose(purpose=purpose, purpose_code=purpose_code, case_ref=case_ref)
    _check_expiry(expires_at)
    _check_recipient_user(user)
    check_share(incident=incident, agency=agency, user=user, level=level, origin=origin)
    if origin == ShareOrigin.EXPLICIT:
        _check_no_live_explicit_share(incident, agency, user)
    with audit.acting_for(actor, incident.agency_id):
        grant = ShareGrant.objects.create(
            incident=incident,
            agency=agency,
            user=user,
            level=level,
            purpose=stated.text,
            purpose_code=stated.code,
            case_ref=stated.case_ref,
            origin=origin,
            granted_by=actor,
            expires_at=expires_at,
        )
    permission_store.rebuild([incident.pk])
    return grant


def _locked(incident: Incident) -> Incident:
    """The incident's row, locked until the transaction ends, as it is now."""
    rows = Incident.objects.select_for_update(of=("self",)).select_related("agency")
    found = rows.filter(pk=incident.pk).first()
    if found is None:
        raise NotFound("No such incident.")
    return found


def _check_no_live_explicit_share(
    incident: Incident, agency: Agency | None, user: User | None
) -> None:
    """Conflict when the incident (locked by the caller, so two concurrent grants cannot
    both pass) has a live explicit share with this recipient."""
    live = permission_store.live_grants().filter(
        incident=incident, origin=ShareOrigin.EXPLICIT, agency=agency, user=user
    )
    if found := live.values_list("pk", flat=True).first():
        raise Conflict(
            f"This incident is shared with that recipient already (share {found}): revoke "
            "that share to change its level, purpose or expiry."
        )


@transaction.atomic
def share_revoke(*, actor: User, share: ShareGrant) -> ShareGrant:
    """End a share now. Actor: an admin of the owning agency (or a platform admin repairing)."""
    if not (can_share(actor, share.incident) or is_platform_admin(actor)):
        raise NotAllowed("Only the owning agency's admins revoke its shares.")
    if share.revoked_at is None:
        with audit.acting_for(actor, share.incident.agency_id):
            share.revoked_at, share.revoked_by = timezone.now(), actor
            share.end_reason = EndReason.REVOKED
            share.save(update_fields=["revoked_at", "revoked_by", "end_reason"])
        permission_store.rebuild([share.incident_id])
    return share


def end_grants(grants: Iterable[ShareGrant], reason: str, *, at: datetime | None = None) -> int:
    """End these grants with `reason`, audited one by one, and rebuild their incidents' rows."""
    ended = 0
    touched: list[UUID] = []
    for grant in grants:
        grant.revoked_at, grant.end_reason = at or timezone.now(), reason
        grant.save(update_fields=["revoked_at", "end_reason"])
        touched.append(grant.incident_id)
        ended += 1
    permission_store.rebuild(touched)
    return ended


@transaction.atomic
def shares_expire(*, now: datetime | None = None) -> int:
    """Mark grants past their expiry as ended and drop their guardian rows (a beat task).

    Visibility never waits for this: lapsed rows are already ignored by the filter.
    """
    now = now or timezone.now()
    due = ShareGrant.objects.select_related("incident").filter(
        revoked_at__isnull=True, expires_at__lte=now
    )
    with audit.acting(component="worker"):
        return sum(end_grants([grant], EndReason.EXPIRED, at=grant.expires_at) for grant in due)


def shares_reconcile(incidents: Iterable[Incident]) -> int:
    """After incidents changed: end the shares their TLP no longer allows (one query)."""
    by_id = {i.pk: i for i in incidents}
    live = permission_store.live_grants().filter(incident_id__in=list(by_id))
    unlawful = [
        grant
        for grant in live.select_related("agency", "user")
        if share_violation(
            incident=by_id[grant.incident_id],
            agency=grant.agency,
            user=grant.user,
            level=grant.level,
            origin=grant.origin,
        )
    ]
    return end_grants(unlawful, EndReason.TLP_CHANGED) if unlawful else 0


def agreement_grants(agreement: SharingAgreement) -> list[ShareGrant]:
    """The live grants an agreement made."""
    return list(
        permission_store.live_grants().filter(agreement=agreement).select_related("incident")
    )
