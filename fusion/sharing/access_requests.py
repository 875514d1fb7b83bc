"""Access requests: an agency asks an owner for access; the owner's admin approves or denies."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, User
from agencies.selectors import roles_of
from fusion import audit
from fusion.choices import RequestStatus, ShareOrigin
from fusion.errors import Conflict, Invalid, NotAllowed, NotFound
from fusion.models import AccessRequest, Match
from fusion.purpose import stated_purpose
from fusion.sharing.match_hints import sides
from fusion.sharing.shares import share_grant
from fusion.sharing.visibility import reader_agency_ids, visible_incidents
from incidents.choices import TLP
from incidents.models import Incident


def _requesting_agency(actor: User, candidates: list[int]) -> Agency:
    own = [a for a in reader_agency_ids(actor) if a in candidates] if candidates else []
    own = own or reader_agency_ids(actor)
    if not own:
        raise NotAllowed("Your roles do not include reading incidents.")
    return Agency.objects.get(pk=own[0])


def _target_of_match(actor: User, match: Match) -> tuple[Incident, Agency]:
    """The other side's incident of a match the actor's agency sees, and that agency."""
    side = next(sides(match, set(reader_agency_ids(actor))), None)
    if side is None:
        raise NotFound()
    other = match.incident_b_id if side.agency_id == match.agency_a_id else match.incident_a_id
    incident = Incident.objects.filter(pk=other).first() if other else None
    if incident is None:
        raise Conflict("The other agency no longer holds the record of this match.")
    return incident, Agency.objects.get(pk=side.agency_id)


@transaction.atomic
def access_request_create(
    *,
    actor: User,
    purpose: str,
    purpose_code: str | None = None,
    case_ref: str | None = None,
    match: Match | None = None,
    incident_id: object = None,
) -> AccessRequest:
    """File a request for an incident named by a match of the actor's agency, or for a visible
    incident (to see more of it). Raises NotFound (not the actor's match, not visible),
    Invalid (purpose, its code or reference), Conflict (one is pending already)."""
    stated = stated_purpose(purpose=purpose, purpose_code=purpose_code, case_ref=case_ref)
    if match is not None:
        incident, agency = _target_of_match(actor, match)
    else:
        incident = visible_incidents(actor).filter(pk=incident_id).first()
        if incident is None:
            raise NotFound()
        agency = _requesting_agency(actor, [])
    if incident.agency_id == agency.pk:
        raise Invalid(errors={"incident": ["Your agency owns this incident."]})
    # By match, one pending request per match: two hints that lead to one hidden incident
    # must not tell the requester so (a conflict on the incident would link them).
    same = {"match": match} if match is not None else {"incident": incident}
    pending = AccessRequest.objects.filter(
        **same, requester_agency=agency, status=RequestStatus.PENDING
    )
    if pending.exists():
        raise Conflict("A request of your agency for this is pending.")
    with audit.acting_for(actor, agency.pk):
        return AccessRequest.objects.create(
            requester=actor,
            requester_agency=agency,
            incident=incident,
            match=match,
            purpose=stated.text,
            purpose_code=stated.code,
            case_ref=stated.case_ref,
        )


def _require_owner_admin(actor: User, request: AccessRequest) -> None:
    if roles_of(actor).get(request.incident.agency_id) != Role.AGENCY_ADMIN:
        raise NotAllowed("Only the owning agency's admins decide access requests.")
    if request.status != RequestStatus.PENDING:
        raise Conflict(f"The request is {request.status} already.")


@transaction.atomic
def access_request_approve(
    *, actor: User, request: AccessRequest, level: str, expires_at: datetime | None = None
) -> AccessRequest:
    """Approve: share the incident with the requesting agency (or, for TLP:RED, the requester)
    with the request's purpose, until `expires_at` (none given: FUSION_SHARE_DEFAULT_DAYS from
    now, at most FUSION_SHARE_MAX_DAYS). Raises NotAllowed, Conflict (decided), Invalid (TLP
    rules, expiry in the past or beyond FUSION_SHARE_MAX_DAYS)."""
    _require_owner_admin(actor, request)
    if expires_at is None:
        days = min(settings.FUSION_SHARE_DEFAULT_DAYS, settings.FUSION_SHARE_MAX_DAYS)
        expires_at = timezone.now() + timedelta(days=days)
    red = request.incident.tlp == TLP.RED
    share = share_grant(
        actor=actor,
        incident=request.incident,
        level=level,
        purpose=request.purpose,
        purpose_code=request.purpose_code,
        case_ref=request.case_ref,
        agency=None if red else request.requester_agency,
        user=request.requester if red else None,
        expires_at=expires_at,
        origin=ShareOrigin.ACCESS_REQUEST,
    )
    return _decide(actor, request, RequestStatus.APPROVED, share=share)


@transaction.atomic
def access_request_deny(*, actor: User, request: AccessRequest, reason: str) -> AccessRequest:
    """Deny with a reason. Raises NotAllowed, Conflict (decided), Invalid (no reason)."""
    _require_owner_admin(actor, request)
    if not reason.strip():
        raise Invalid(errors={"reason": ["Give the reason for the denial."]})
    return _decide(actor, request, RequestStatus.DENIED, reason=reason.strip())


def _decide(actor: User, request: AccessRequest, status: str, **fields: object) -> AccessRequest:
    with audit.acting_for(actor, request.incident.agency_id):
        request.status, request.decided_by, request.decided_at = status, actor, timezone.now()
        for name, value in fields.items():
            setattr(request, name, value)
        request.save()
    return request
