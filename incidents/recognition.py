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
whose fields changed is a new record, recorded by the writer and unconfirmed again.
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


def carry_over(
    old: Iterable[Person], new: Iterable[Person], *, key: Callable[[Person], Hashable]
) -> None:
    """Give each new (unsaved) person from facial recognition that is stored, as `key` tells,
    exactly as an old one of the same incident the id, recorder and confirmation of that old
    one (each old person once). Any other new person keeps what it was given."""
    pool: dict[tuple, list[Person]] = defaultdict(list)
    for person in old:
        if person.source == FACIAL_RECOGNITION:
            pool[(person.incident_id, key(person))].append(person)
    for person in new:
        found = pool.get((person.incident_id, key(person)))
        if person.source != FACIAL_RECOGNITION or not found:
            continue
        before = found.pop(0)
        person.id = before.id
        person.recorded_by_id = before.recorded_by_id
        person.confirmed_by_id = before.confirmed_by_id
        person.confirmed_at = before.confirmed_at
