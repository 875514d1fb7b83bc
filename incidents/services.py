"""Every write to incidents and their persons: create/upsert, update, delete.

Each service runs in one transaction, checks the actor's right through a predicate, applies
the domain rules in `incidents.rules`, lets auditlog record each saved row, and re-checks
after the write that the incident is still within the actor's scope.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, User
from agencies.permissions import can_write_for
from fusion import audit
from fusion.agreements import agreements_apply_to
from fusion.errors import Conflict, Invalid, NotAllowed, PreconditionFailed
from fusion.matching import matches_find
from fusion.sharing import shares_reconcile
from fusion.visibility import visible_incidents
from incidents.crypto import blind_index
from incidents.models import Incident, Person
from incidents.rules import record_errors

# Incident columns a client sets; `persons` is handled apart.
WRITABLE_FIELDS = (
    "external_ref",
    "occurred_at",
    "reported_at",
    "category",
    "severity",
    "killed",
    "injured",
    "latitude",
    "longitude",
    "district",
    "description",
    "tlp",
    "contexts",
    "status",
)
DEFAULTS: dict[str, Any] = {
    "external_ref": None,
    "killed": 0,
    "injured": 0,
    "district": "",
    "description": "",
    "tlp": "AMBER",
    "contexts": [],
    "status": "open",
}


def require_writer(actor: User, agency: Agency) -> None:
    if not can_write_for(actor, agency):
        raise NotAllowed(f"You may not write incidents of agency {agency.code!r}.")


def _check_rules(record: Mapping[str, Any]) -> None:
    errors = record_errors(record, now=timezone.now())
    if errors:
        raise Invalid(errors=errors)


def _assign(incident: Incident, record: Mapping[str, Any]) -> None:
    for name in WRITABLE_FIELDS:
        if name in record:
            setattr(incident, "category_id" if name == "category" else name, record[name])


def after_write(incidents: list[Incident]) -> None:
    """Keep shares lawful for the (new) TLP, apply agreements, and look for matches."""
    shares_reconcile(incidents)
    agreements_apply_to(incidents)
    matches_find(incidents)


def _ensure_in_scope(actor: User, incident: Incident) -> None:
    """NetBox's lesson: after writing, the object must still be the writer's to see."""
    if not visible_incidents(actor).filter(pk=incident.pk).exists():
        raise NotAllowed("The change would put the incident outside your scope.")


def new_person(incident: Incident, data: Mapping[str, Any]) -> Person:
    """An unsaved Person with its blind index (used by single and bulk writes)."""
    national_id = data.get("national_id") or None
    return Person(
        incident=incident,
        role=data["role"],
        full_name=data.get("full_name") or None,
        national_id=national_id,
        national_id_index=blind_index(national_id),
        phone=data.get("phone") or None,
        notes=data.get("notes") or None,
        source=data.get("source") or "report",
        legal_basis=data.get("legal_basis") or "",
    )


def _replace_persons(incident: Incident, persons: Sequence[Mapping[str, Any]]) -> None:
    for person in incident.persons.all():
        person.delete()
    for data in persons:
        new_person(incident, data).save()


def _with_defaults(record: Mapping[str, Any], existing: Incident | None) -> dict[str, Any]:
    full = {**DEFAULTS, **record}
    full.setdefault("reported_at", existing.reported_at if existing else timezone.now())
    return full


def _create(actor: User, agency: Agency, record: Mapping[str, Any]) -> Incident:
    incident = Incident(agency=agency, created_by=actor)
    _assign(incident, record)
    incident.save(force_insert=True)
    _replace_persons(incident, record.get("persons") or [])
    return incident


def _overwrite(incident: Incident, record: Mapping[str, Any]) -> Incident:
    _assign(incident, record)
    incident.version += 1
    incident.save()
    if "persons" in record:
        _replace_persons(incident, record["persons"])
    return incident


@transaction.atomic
def incident_upsert(
    *, actor: User, agency: Agency, record: Mapping[str, Any]
) -> tuple[Incident, bool]:
    """Create an incident for `agency`, or overwrite the one with the same external_ref.

    Actor: a submitter or admin of `agency`. Returns (incident, created). Raises NotAllowed,
    Invalid (domain rules, field-named). A re-post never duplicates, even when two arrive at
    once: the unique (agency, external_ref) constraint turns the loser into an update.
    """
    require_writer(actor, agency)
    with audit.acting_for(actor, agency.pk):
        incident, created = _upsert(actor, agency, record)
        after_write([incident])
    _ensure_in_scope(actor, incident)
    return incident, created


def _upsert(actor: User, agency: Agency, record: Mapping[str, Any]) -> tuple[Incident, bool]:
    ref = record.get("external_ref")
    existing = _locked_by_ref(agency, ref) if ref else None
    record = _with_defaults(record, existing)
    _check_rules(record)
    if existing is not None:
        incident, created = _overwrite(existing, record), False
    else:
        try:
            with transaction.atomic():
                incident, created = _create(actor, agency, record), True
        except IntegrityError:
            existing = _locked_by_ref(agency, ref) if ref else None
            if existing is None:
                raise
            incident, created = _overwrite(existing, record), False
    return incident, created


def _locked_by_ref(agency: Agency, ref: str) -> Incident | None:
    return Incident.objects.select_for_update().filter(agency=agency, external_ref=ref).first()


def _lock_current(incident: Incident, expected_version: int | None) -> Incident:
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and current.version != expected_version:
        raise PreconditionFailed()
    return current


def _current_record(incident: Incident) -> dict[str, Any]:
    record = {name: getattr(incident, name) for name in WRITABLE_FIELDS if name != "category"}
    record["category"] = incident.category_id
    return record


@transaction.atomic
def incident_update(
    *,
    actor: User,
    incident: Incident,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    replace: bool = False,
) -> Incident:
    """Apply `changes` (PATCH) or replace the writable fields (PUT) of a visible incident.

    Actor: a submitter or admin of the owning agency. Raises NotAllowed, PreconditionFailed
    (stale `expected_version`), Invalid, Conflict (external_ref taken in the agency).
    """
    require_writer(actor, incident.agency)
    with audit.acting_for(actor, incident.agency_id):
        updated = _update(incident, changes, expected_version, replace)
        after_write([updated])
    _ensure_in_scope(actor, updated)
    return updated


def _update(
    incident: Incident, changes: Mapping[str, Any], expected_version: int | None, replace: bool
) -> Incident:
    current = _lock_current(incident, expected_version)
    base = DEFAULTS if replace else _current_record(current)
    record = {**base, **changes}
    if replace:
        record.setdefault("reported_at", current.reported_at)
    _check_rules(record)
    ref = record.get("external_ref")
    taken = Incident.objects.filter(agency_id=current.agency_id, external_ref=ref)
    if ref and taken.exclude(pk=current.pk).exists():
        raise Conflict(errors={"external_ref": ["Another incident of your agency has it."]})
    return _overwrite(current, record)


@transaction.atomic
def incident_delete(*, actor: User, incident: Incident, expected_version: int | None) -> None:
    """Delete an incident and its persons (each audited). Actor: writer of the owning agency.

    Raises NotAllowed, PreconditionFailed.
    """
    require_writer(actor, incident.agency)
    with audit.acting_for(actor, incident.agency_id):
        current = _lock_current(incident, expected_version)
        for person in current.persons.all():
            person.delete()
        current.delete()
