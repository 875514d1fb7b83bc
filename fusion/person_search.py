"""Exact national-id search over the persons a user may read, through the blind index."""

from dataclasses import dataclass

from agencies.models import User
from fusion import audit
from fusion.redaction import readable_persons
from fusion.visibility import access_levels, visible_incidents
from incidents.crypto import blind_index
from incidents.models import Incident, Person

MAX_HITS = 200


@dataclass(frozen=True)
class Hit:
    incident: Incident
    person: Person


def persons_search(*, actor: User, national_id: str, purpose: str) -> list[Hit]:
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
    audit.log_event(
        event="persons.search",
        model=Person,
        object_repr="national id search",
        purpose=purpose,
        details={"hits": len(hits), "agencies": sorted({h.incident.agency.code for h in hits})},
        actor=actor,
    )
    return hits
