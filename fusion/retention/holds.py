"""Legal holds: an incident whose persons are kept past its retention period.

An agency's admins (or a platform admin) place a hold on one of the agency's incidents with a
reason (a case or court reference, not a name), and lift it with a reason; both are audited
(auditlog's entries of the hold row). While a hold is live the retention worker leaves the
incident's persons as they are, and the incident cannot be deleted (409). Placing and lifting
lock the incident row, as each batch of the retention worker does, so a hold placed while a
batch runs waits for it (the persons were past their period before the hold) or is seen by it
(they are kept).
"""

from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Agency, User
from fusion import audit
from fusion.errors import Conflict, Invalid, NotFound
from fusion.models import LegalHold
from fusion.retention.policies import require_manager
from incidents.models import Incident

NO_INCIDENT = "No incident of this agency has this id."


def _reason(text: str, field: str) -> str:
    text = (text or "").strip()
    least = settings.FUSION_PURPOSE_MIN_LENGTH
    if len(text) < least:
        raise Invalid("A reason is required.", errors={field: [f"At least {least} characters."]})
    return text


def legal_holds(*, actor: User, agency: Agency, live: bool | None = None) -> QuerySet[LegalHold]:
    """The holds on the agency's incidents, newest first; `live` narrows to live or lifted."""
    require_manager(actor, agency)
    holds = LegalHold.objects.filter(incident__agency=agency).select_related(
        "placed_by", "lifted_by"
    )
    if live is not None:
        holds = holds.filter(lifted_at__isnull=live)
    return holds


def legal_hold(*, actor: User, agency: Agency, hold_id: int | str) -> LegalHold:
    """One hold on the agency's incidents (404 for another agency's or a missing one)."""
    hold = legal_holds(actor=actor, agency=agency).filter(pk=str(hold_id)).first()
    if hold is None:
        raise NotFound("No such legal hold.")
    return hold


def legal_hold_place(
    *, actor: User, agency: Agency, incident_id: UUID | str, reason: str
) -> LegalHold:
    """Hold one of the agency's incidents (actor: its admin or a platform admin). Raises
    NotAllowed (403), Invalid (400: `incident` not the agency's, `reason` too short) or
    Conflict (409: the incident is held already)."""
    require_manager(actor, agency)
    reason = _reason(reason, "reason")
    with transaction.atomic(), audit.acting_for(actor, agency.pk):
        incident = (
            Incident.objects.select_for_update().filter(agency=agency, pk=incident_id).first()
        )
        if incident is None:
            raise Invalid("Invalid incident.", errors={"incident": [NO_INCIDENT]})
        if LegalHold.objects.filter(incident=incident, lifted_at__isnull=True).exists():
            raise Conflict("This incident is on legal hold already.")
        return LegalHold.objects.create(incident=incident, reason=reason, placed_by=actor)


def legal_hold_lift(*, actor: User, agency: Agency, hold_id: int | str, reason: str) -> LegalHold:
    """Lift a live hold (actor: the agency's admin or a platform admin); the next retention
    runs treat the incident's persons like any other. Raises NotAllowed (403), NotFound
    (404), Invalid (400: `reason`) or Conflict (409: lifted already)."""
    hold = legal_hold(actor=actor, agency=agency, hold_id=hold_id)
    reason = _reason(reason, "reason")
    with transaction.atomic(), audit.acting_for(actor, agency.pk):
        Incident.objects.select_for_update().filter(pk=hold.incident_id).first()
        hold = LegalHold.objects.select_for_update().select_related("incident").get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise Conflict("This legal hold was lifted already.")
        hold.lifted_at, hold.lifted_by, hold.lift_reason = timezone.now(), actor, reason
        hold.save()
        return hold


def refuse_delete_while_held(sender: type, instance: Incident, **kwargs: object) -> None:
    """Django's pre_delete receiver for incidents: a held incident is not deleted (409), its
    hold is the reason it is kept. The delete's transaction rolls back whole, persons too."""
    if LegalHold.objects.filter(incident_id=instance.pk, lifted_at__isnull=True).exists():
        message = "The incident is under a legal hold: its agency's admins lift it first."
        raise Conflict(message, errors={"incident": [message]})
