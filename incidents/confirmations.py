"""Confirming a person from facial recognition: the second user's word (incidents.recognition
says what an unconfirmed person may not do)."""

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from agencies.models import User
from agencies.permissions import can_write_for
from agencies.selectors import service_scopes
from fusion import audit
from fusion.errors import Conflict, Invalid, NotAllowed, NotFound
from incidents import ingest_hooks
from incidents.access import access_levels
from incidents.models import Incident, Person
from incidents.recognition import FACIAL_RECOGNITION
from incidents.redaction import readable_persons

CONFIRMED = "person.recognition_confirmed"  # the audit event of a confirmation


def _readable(actor: User, incident: Incident, person_id: UUID | str) -> Person:
    """The person, locked, when the actor may read it (else the same 404 as a missing one)."""
    try:
        pk = UUID(str(person_id))
    except ValueError:
        raise NotFound("No such person on this incident.") from None
    person = Person.objects.select_for_update().filter(incident_id=incident.pk, pk=pk).first()
    level = access_levels(actor, [incident]).get(incident.pk)
    if person is None or level is None or not readable_persons(level, [person]):
        raise NotFound("No such person on this incident.")
    return person


def _check_confirmer(actor: User, incident: Incident, person: Person) -> None:
    if not can_write_for(actor, incident.agency) or service_scopes(actor) is not None:
        raise NotAllowed(
            "Only a submitter or admin of the owning agency confirms a person from facial "
            "recognition."
        )
    if person.recorded_by_id == actor.pk:
        raise NotAllowed("You recorded this person: a second user of your agency must confirm it.")


@transaction.atomic
def person_confirm(*, actor: User, incident: Incident, person_id: UUID | str) -> Person:
    """Confirm a person from facial recognition of a visible incident: from now on it is
    shared, searched and matched like any other person.

    Actor: a submitter or agency admin of the owning agency other than the user who recorded
    the person (a person, not a service account). Raises NotFound (no such person, or one the
    actor may not read: an unconfirmed person is its owner's alone), NotAllowed (not such a
    user, or the recorder), Invalid (`authorisation_ref` missing: a person stored before the
    rule), Conflict (not from facial recognition, or confirmed already). Audited: the
    person's update and a `person.recognition_confirmed` entry.
    """
    person = _readable(actor, incident, person_id)
    _check_confirmer(actor, incident, person)
    if person.source != FACIAL_RECOGNITION:
        raise Conflict("Only persons from facial recognition await confirmation.")
    if person.confirmed_at is not None:
        raise Conflict("This person is confirmed already.")
    if not person.authorisation_ref.strip():
        raise Invalid(errors={"authorisation_ref": ["Record the authorisation first."]})
    with audit.acting_for(actor, incident.agency_id):
        person.confirmed_by, person.confirmed_at = actor, timezone.now()
        person.save(update_fields=["confirmed_by", "confirmed_at"])
        audit.log_event(
            event=CONFIRMED,
            obj=person,
            details={
                "incident": str(incident.pk),
                "authorisation_ref": person.authorisation_ref,
                "recorded_by": person.recorded_by_id,
            },
            actor=actor,
        )
        ingest_hooks.after_write([incident])
    return person
