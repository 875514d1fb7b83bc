"""Exact national-id search over the persons a user may read, through the blind index."""

from dataclasses import dataclass

from agencies.models import User
from fusion import audit
from fusion.audit.events import SEARCH_HIT
from fusion.crypto import blind_index
from fusion.purpose import Purpose
from fusion.sharing.visibility import access_levels, reader_agency_ids, visible_incidents
from incidents.models import Incident, Person
from incidents.redaction import readable_persons

MAX_HITS = 200


@dataclass(frozen=True)
class Hit:
    incident: Incident
    person: Person


def persons_search(*, actor: User, national_id: str, purpose: Purpose) -> list[Hit]:
    """Persons with this national id in incidents the actor sees, at a level that shows them
    (never other agencies' witnesses). Logged with the purpose and the count, not the id."""
    index = blind_index(national_id)
    hits: list[Hit] = []
    if index:
        incidents = list(
            visible_incidents(actor)
            .filter(persons__national_id_index=index)
            .select_related("agency")
            .distinct()[:MAX_HITS]
        )
        levels = access_levels(actor, incidents)
        persons = Person.objects.filter(incident__in=incidents, national_id_index=index)
        by_incident: dict = {}
        for person in persons:
            by_incident.setdefault(person.incident_id, []).append(person)
        for incident in incidents:
            for person in readable_persons(levels[incident.pk], by_incident.get(incident.pk, [])):
                hits.append(Hit(incident, person))
    _notify_owners(actor, hits, purpose)
    audit.log_event(
        event="persons.search",
        model=Person,
        object_repr="national id search",
        purpose=purpose.text,
        details={
            "hits": len(hits),
            "agencies": sorted({h.incident.agency.code for h in hits}),
            **purpose.details(),
        },
        actor=actor,
    )
    return hits


def _notify_owners(actor: User, hits: list[Hit], purpose: Purpose) -> None:
    """One entry per other agency whose persons the search returned, about that agency (its
    admins are notified; fusion.oversight.notifications): how many, never who."""
    own = set(reader_agency_ids(actor))
    counts: dict[int, int] = {}
    for hit in hits:
        if hit.incident.agency_id not in own:
            counts[hit.incident.agency_id] = counts.get(hit.incident.agency_id, 0) + 1
    for agency_id, count in sorted(counts.items()):
        audit.log_event(
            event=SEARCH_HIT,
            model=Person,
            object_repr="national id search",
            purpose=purpose.text,
            details={"hits": count, "object_agency_id": agency_id, **purpose.details()},
            actor=actor,
        )
