"""Facial recognition outside protected contexts: an authorisation, and a second user's word.

Protected contexts refuse facial recognition outright (incidents.rules). Elsewhere a person
whose `source` is facial recognition must carry the reference of the authorisation it was
used under (`authorisation_ref`, a rule of every write route), and stays *unconfirmed* until a
second user of the owning agency confirms it (incidents.confirmations): a submitter or agency admin
of that agency, not the user who recorded the person (nor a service account). Until then the
person is the owner's alone: the field policy (incidents.redaction) withholds it from every
other reader, person search never returns it to them, and person matching neither computes
hints from it nor against it (`AWAITING`). Confirming runs what a write runs after it
(shares, agreements, matches), so the person matches from then on.

A confirmation belongs to the person as recorded. A write that sends the incident's persons
replaces them; a person from facial recognition sent exactly as stored (every field, the
authorisation reference too) keeps its id, recorder and confirmation (`carry_over`); one
whose other fields changed is a new record, unconfirmed again, with the same recorder. A
write cannot take a person out of facial recognition by leaving `source` out or naming
another, nor by correcting one of its fields on the way: a person who shares a name, national
id or phone with one from facial recognition stays from facial recognition.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

from django.db.models import Q

from incidents.choices import PersonSource
from incidents.models import Person

FACIAL_RECOGNITION = PersonSource.FACIAL_RECOGNITION
# Persons that await a second user's confirmation: their owner's alone.
AWAITING = Q(source=FACIAL_RECOGNITION, confirmed_at__isnull=True)


def awaits_confirmation(person: Person) -> bool:
    """Whether the person comes from facial recognition and no second user confirmed it."""
    return person.source == FACIAL_RECOGNITION and person.confirmed_at is None


def confirmation_state(person: Person) -> str:
    """`not_required` (not from facial recognition), `pending` or `confirmed`."""
    if person.source != FACIAL_RECOGNITION:
        return "not_required"
    return "pending" if person.confirmed_at is None else "confirmed"


def _traits(person: Person) -> list[tuple[str, str]]:
    """What tells who a person is, each on its own: name, national id, phone (when given)."""
    values = (("full_name", person.full_name), ("national_id", person.national_id))
    return [(name, value) for name, value in (*values, ("phone", person.phone)) if value]


def carry_over(
    old: Iterable[Person], new: Iterable[Person], *, key: Callable[[Person], Hashable]
) -> None:
    """Keep what facial recognition recorded of a person across a write that replaces the
    incident's persons (each old person once):

    - a new (unsaved) person stored, as `key` tells, exactly as an old one from facial
      recognition takes that one's id, recorder and confirmation;
    - a new person who shares a name, national id or phone with an old one from facial
      recognition, sent with another or no `source`, or with a field changed, stays from
      facial recognition: a write cannot relabel it (a re-post that leaves `source` out, or
      corrects a spelling on the way, would otherwise hand the person to every partner
      unconfirmed). It keeps the old authorisation reference unless it sends one; if it is then
      stored exactly as before it keeps id, recorder and confirmation, else it is recorded
      anew, unconfirmed, by its writer, or, when a service account wrote it, by the person
      who recorded it before (so a re-post through a system does not let the recorder
      confirm it).

    Any other new person keeps what it was given."""
    exact: dict[tuple, list[Person]] = defaultdict(list)
    shared: dict[tuple, list[Person]] = defaultdict(list)
    for person in old:
        if person.source == FACIAL_RECOGNITION:
            exact[(person.incident_id, key(person))].append(person)
            for trait in _traits(person):
                shared[(person.incident_id, trait)].append(person)
    taken: set[int] = set()

    def first(found: Iterable[Person]) -> Person | None:
        return next((p for p in found if id(p) not in taken), None)

    for person in new:
        before = None
        if person.source == FACIAL_RECOGNITION:
            before = first(exact.get((person.incident_id, key(person)), []))
        if before is None:
            candidates = (
                p for trait in _traits(person) for p in shared.get((person.incident_id, trait), [])
            )
            before = first(candidates)
            if before is None:
                continue
            person.source = FACIAL_RECOGNITION
            person.authorisation_ref = person.authorisation_ref or before.authorisation_ref
            if key(person) != key(before):
                taken.add(id(before))
                if person.recorded_by is None or person.recorded_by.is_service_account:
                    person.recorded_by_id = before.recorded_by_id  # a system is no recorder
                continue  # changed: recorded anew, unconfirmed
        taken.add(id(before))
        person.id = before.id
        person.recorded_by_id = before.recorded_by_id
        person.confirmed_by_id = before.confirmed_by_id
        person.confirmed_at = before.confirmed_at
