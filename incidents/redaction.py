"""The field policy: which parts of a visible incident a reader at a given level receives."""

from collections.abc import Iterable

from incidents.access import Level
from incidents.choices import PersonRole
from incidents.models import Person
from incidents.recognition import awaits_confirmation

# Incident fields every reader of a visible incident gets (persons are never among them);
# the incident output serializer serves exactly these. GeoJSON properties derive from them.
INCIDENT_FIELDS = (
    "id",
    "agency",
    "external_ref",
    "occurred_at",
    "reported_at",
    "category",
    "severity",
    "killed",
    "injured",
    "latitude",
    "longitude",
    "location_precision",
    "district",
    "description",
    "tlp",
    "contexts",
    "status",
    "version",
    "redacted",
)
PERSON_FIELDS = (
    "role", "full_name", "national_id", "phone", "notes", "source", "legal_basis",
    "authorisation_ref", "confirmation", "confirmed_at",
)  # fmt: skip


def may_read_persons(level: Level) -> bool:
    return level >= Level.VIEW_PERSONS


def readable_persons(level: Level, persons: Iterable[Person]) -> list[Person]:
    """Persons the reader may see: none below VIEW_PERSONS; witnesses, and persons from
    facial recognition no second user has confirmed (incidents.recognition), only for the
    owner."""
    if not may_read_persons(level):
        return []
    if level == Level.OWNER:
        return list(persons)
    return [p for p in persons if p.role != PersonRole.WITNESS and not awaits_confirmation(p)]


def is_redacted(
    level: Level, *, has_persons: bool, has_witnesses: bool, has_unconfirmed: bool = False
) -> bool:
    """True when the reader's level withholds persons the incident has (`has_unconfirmed`:
    it has persons from facial recognition awaiting confirmation)."""
    if level == Level.OWNER:
        return False
    if level == Level.VIEW_PERSONS:
        return has_witnesses or has_unconfirmed
    return has_persons


WITHHELD = "[withheld]"
# Audit entries whose changes hold incident content (persons' fields are masked when written).
CONTENT_MODELS = frozenset({("incidents", "incident")})


def audit_changes(
    changes: dict | None,
    *,
    model: tuple[str, str],
    object_agency_id: int | None,
    content_agency_ids: Iterable[int],
) -> dict | None:
    """An audit entry's changes as a reader gets them: the values of incident content only for
    readers of the owning agency; others (oversight, a platform admin without a content role)
    learn which fields changed, not to what."""
    if not changes or model not in CONTENT_MODELS or object_agency_id in set(content_agency_ids):
        return changes
    return {field: [WITHHELD for _ in values] for field, values in changes.items()}
