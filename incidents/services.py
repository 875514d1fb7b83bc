"""Every write to incidents and their persons: create/upsert, update, delete.

Each service runs in one transaction, checks the actor's right through a predicate, applies
the domain rules in `incidents.rules`, refuses copies of other agencies' incidents
(`incidents.provenance`), lets auditlog record each saved row, and re-checks after the write
that the incident is still within the actor's scope.

What a write does with a field it does not carry: a create gives it the default; a re-post of
an existing external_ref (single, bulk, file or exchange import) and a PATCH keep the stored
value; a PUT gives it the default, but keeps the stored TLP and location precision. So a TLP
is lowered only by a request that names the lower TLP, and every lowering is audited as
`incident.tlp_lowered`; and a client that PUTs the fields it knows does not turn a town-centre
geocode into an exact point.
The default of `killed` and `injured` is null, unknown (a count a record does not give is not
a count of 0: links read 0 against 5 as a contradiction, unknown against 5 as nothing); so a
re-post or PATCH that leaves a count out keeps the stored one, and only an explicit null (or
a PUT, which replaces, leaving it out) makes a known count unknown again. `location_precision`
defaults to exact.
Persons a write leaves out stay, and are checked against the contexts the incident ends up
with, like persons sent.

A write that leaves every stored value as it is (the incident's fields after the merge, and
the persons it sends, compared in plaintext) changes nothing: no save, no new version or
ETag, no audit entry, no share, agreement or match work (`is_unchanged`).
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, User
from agencies.permissions import can_write_for
from fusion import audit
from fusion.crypto import blind_index
from fusion.errors import Conflict, Invalid, NotAllowed, PreconditionFailed
from incidents import ingest_hooks
from incidents.access import visible_incidents
from incidents.choices import TLP, TLP_ORDER
from incidents.models import Incident, Person
from incidents.provenance import claim_of, refuse_copies
from incidents.recognition import carry_over
from incidents.rules import (
    PROTECTED_CONTEXTS,
    record_errors,
    record_fingerprint,
    settle_district,
)

TLP_LOWERED = "incident.tlp_lowered"  # the audit event of a write that lowered a TLP
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
    "location_precision",
    "district",
    "description",
    "tlp",
    "contexts",
    "status",
)
# What a write stores: the client's fields and the fingerprint computed from them.
STORED_FIELDS = (*WRITABLE_FIELDS, "fingerprint")
# What a record that creates an incident takes for a field it does not carry. Never applied
# to an update, except PUT (which replaces), and never to `tlp` or `location_precision` there
# (see incident_update).
DEFAULTS: dict[str, Any] = {
    "external_ref": None,
    "killed": None,  # unknown: a count the record does not give is not 0
    "injured": None,
    "location_precision": "exact",
    "district": "",
    "description": "",
    "tlp": "AMBER",
    "contexts": [],
    "status": "open",
}
PERSON_KEY_FIELDS = (
    "role", "full_name", "national_id", "phone", "notes", "source", "legal_basis",
    "authorisation_ref",
)  # fmt: skip


def require_writer(actor: User, agency: Agency) -> None:
    if not can_write_for(actor, agency):
        raise NotAllowed(f"You may not write incidents of agency {agency.code!r}.")


def _check_rules(record: Mapping[str, Any], kept: Incident | None = None) -> None:
    """The domain rules of `record`; with `kept`, the stored incident it is written over,
    whose persons stay when the record carries none (and so must suit its contexts)."""
    stored = ()
    if kept is not None and "persons" not in record and is_protected(record):
        stored = list(kept.persons.values("source", "legal_basis"))
    errors = record_errors(record, now=timezone.now(), stored_persons=stored)
    if errors:
        raise Invalid(errors=errors)


def is_protected(record: Mapping[str, Any]) -> bool:
    """Whether the record gives its incident a protected context (incidents.rules)."""
    return bool(PROTECTED_CONTEXTS.intersection(record.get("contexts") or ()))


def _assign(incident: Incident, record: Mapping[str, Any]) -> None:
    for name in STORED_FIELDS:
        if name in record:
            setattr(incident, "category_id" if name == "category" else name, record[name])


def after_write(incidents: list[Incident]) -> None:
    """Keep shares lawful for the (new) TLP, apply agreements, and look for matches (the
    sharing kernel's hook)."""
    ingest_hooks.after_write(incidents)


def _ensure_in_scope(actor: User, incident: Incident) -> None:
    """NetBox's lesson: after writing, the object must still be the writer's to see."""
    if not visible_incidents(actor).filter(pk=incident.pk).exists():
        raise NotAllowed("The change would put the incident outside your scope.")


def new_person(
    incident: Incident, data: Mapping[str, Any], *, recorded_by: User | None = None
) -> Person:
    """An unsaved Person with its blind index, recorded by the writer (used by single and
    bulk writes)."""
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
        authorisation_ref=data.get("authorisation_ref") or "",
        recorded_by=recorded_by,
    )


def person_key(data: Mapping[str, Any]) -> tuple[str, ...]:
    """A person as stored (see `new_person`), in plaintext: what tells two persons apart."""
    return (
        data["role"],
        data.get("full_name") or "",
        data.get("national_id") or "",
        data.get("phone") or "",
        data.get("notes") or "",
        data.get("source") or "report",
        data.get("legal_basis") or "",
        data.get("authorisation_ref") or "",
    )


def stored_person_key(person: Person) -> tuple[str, ...]:
    """`person_key` of a stored person (its fields decrypted on load)."""
    return person_key({name: getattr(person, name) for name in PERSON_KEY_FIELDS})


def same_persons(stored: Iterable[Person], sent: Sequence[Mapping[str, Any]]) -> bool:
    """Whether replacing `stored` with `sent` would store the same persons (in any order: the
    stored order of persons written together is not the order they were sent in)."""
    return sorted(map(stored_person_key, stored)) == sorted(map(person_key, sent))


def same_values(stored: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether `record` (complete, with its fingerprint) stores exactly the `stored` values
    (`current_record` and the fingerprint), each compared as its model field holds it."""
    for name in STORED_FIELDS:
        field = Incident._meta.get_field(name)
        value = record[name]
        if name != "category" and value is not None:
            value = field.to_python(value)
        if value != stored[name]:
            return False
    return True


def is_unchanged(incident: Incident, record: Mapping[str, Any]) -> bool:
    """Whether writing `record` (complete, with its fingerprint) over the stored `incident`
    would leave it as it is: the same field values and, when it sends persons, the same
    persons."""
    stored = {**current_record(incident), "fingerprint": incident.fingerprint}
    if not same_values(stored, record):
        return False
    return "persons" not in record or same_persons(incident.persons.all(), record["persons"])


def _replace_persons(actor: User, incident: Incident, persons: Sequence[Mapping[str, Any]]) -> None:
    """Replace the incident's persons; one from facial recognition sent as stored keeps its
    id and confirmation (incidents.recognition.carry_over)."""
    old = list(incident.persons.all())
    new = [new_person(incident, data, recorded_by=actor) for data in persons]
    carry_over(old, new, key=stored_person_key)
    for person in old:
        person.delete()
    for person in new:
        person.save(force_insert=True)


def is_lowered(before: str, after: str) -> bool:
    """True when `after` is a less restrictive TLP than `before`."""
    return TLP_ORDER.index(TLP(after)) < TLP_ORDER.index(TLP(before))


def log_tlp_lowered(lowered: Iterable[tuple[Incident, str]]) -> int:
    """One update entry `incident.tlp_lowered` for each (incident as stored, TLP it had):
    its changes are `{"tlp": [from, to]}`, its actor and acting agency the writer's. Besides
    the write's own entry, so that every lowering stands out in the trail. One insert."""

    def stub(incident: Incident, tlp: str) -> Incident:
        return Incident(
            id=incident.pk, agency_id=incident.agency_id, external_ref=incident.external_ref,
            tlp=tlp,
        )  # fmt: skip

    pairs = [(stub(i, before), stub(i, i.tlp)) for i, before in lowered]
    return audit.log_bulk(pairs, event=TLP_LOWERED) if pairs else 0


def _with_defaults(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record that creates an incident: what it does not carry takes the default."""
    return {**DEFAULTS, "reported_at": timezone.now(), **record}


def _create(actor: User, agency: Agency, record: Mapping[str, Any]) -> Incident:
    full = _with_defaults(record)
    _check_rules(full)
    settle_district(full)
    full["fingerprint"] = record_fingerprint(full)
    claim = claim_of(full, external_ref=full["external_ref"], content=True)
    refuse_copies(actor, agency.pk, [claim], single=True)
    incident = Incident(agency=agency, created_by=actor)
    _assign(incident, full)
    incident.save(force_insert=True)
    _replace_persons(actor, incident, full.get("persons") or [])
    return incident


def _apply(actor: User, incident: Incident, full: dict[str, Any]) -> tuple[Incident, bool]:
    """Write `full` (every writable field, as the incident is to be) over the locked
    `incident`: the rules (stored persons included, when `full` keeps them), the copy check
    of what changes, the audit of a lowered TLP. Returns (incident, changed): a record that
    leaves the incident as it is writes nothing."""
    _check_rules(full, kept=incident)
    settle_district(full)
    full["fingerprint"] = record_fingerprint(full)
    if is_unchanged(incident, full):
        return incident, False
    ref = full["external_ref"]
    claim = claim_of(
        full,
        external_ref=ref if ref != incident.external_ref else None,
        content=full["fingerprint"] != incident.fingerprint,
    )
    refuse_copies(actor, incident.agency_id, [claim], single=True)
    before = incident.tlp
    _assign(incident, full)
    incident.version += 1
    incident.save()
    if "persons" in full:
        _replace_persons(actor, incident, full["persons"])
    if is_lowered(before, incident.tlp):
        log_tlp_lowered([(incident, before)])
    return incident, True


@transaction.atomic
def incident_upsert(
    *, actor: User, agency: Agency, record: Mapping[str, Any]
) -> tuple[Incident, bool]:
    """Create an incident for `agency`, or merge `record` into the one with the same
    external_ref.

    Actor: a submitter or admin of `agency`. Returns (incident, created). A re-post merges:
    the fields it carries replace the stored ones, the others (persons too) keep their
    stored values; defaults apply only on create. So a TLP is lowered only by a record that
    names the lower TLP, and the lowering is audited (`incident.tlp_lowered`). A re-post
    never duplicates, even when two arrive at once: the unique (agency, external_ref)
    constraint turns the loser into an update. Raises NotAllowed, Invalid (domain rules,
    field-named), Copied (the record copies another agency's incident the actor sees).
    """
    require_writer(actor, agency)
    with audit.acting_for(actor, agency.pk):
        incident, created, changed = _upsert(actor, agency, record)
        if changed:
            after_write([incident])
    _ensure_in_scope(actor, incident)
    return incident, created


def _upsert(actor: User, agency: Agency, record: Mapping[str, Any]) -> tuple[Incident, bool, bool]:
    """(incident, created, changed)."""
    ref = record.get("external_ref")
    existing = _locked_by_ref(agency, ref) if ref else None
    if existing is None:
        try:
            with transaction.atomic():
                return _create(actor, agency, record), True, True
        except IntegrityError:
            existing = _locked_by_ref(agency, ref) if ref else None
            if existing is None:
                raise
    incident, changed = _apply(actor, existing, {**current_record(existing), **record})
    return incident, False, changed


def _locked_by_ref(agency: Agency, ref: str) -> Incident | None:
    return Incident.objects.select_for_update().filter(agency=agency, external_ref=ref).first()


def _lock_current(incident: Incident, expected_version: int | None) -> Incident:
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and current.version != expected_version:
        raise PreconditionFailed()
    return current


def current_record(incident: Incident) -> dict[str, Any]:
    """The writable fields of `incident` as a record (what a merge starts from)."""
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

    PATCH keeps what `changes` does not name. PUT gives it the default, except `tlp` (and
    reported_at, location_precision and persons), which keep their stored values: a TLP is
    lowered only when named, and the lowering is audited (`incident.tlp_lowered`). Persons
    kept must suit the resulting contexts; a PUT that drops a protected context keeps them,
    unprotected: the owner's explicit choice. Actor: a submitter or admin of the owning
    agency. Raises NotAllowed, PreconditionFailed (stale `expected_version`), Invalid
    (`contexts` when a protected context meets kept persons it forbids), Conflict
    (external_ref taken in the agency), Copied.
    """
    require_writer(actor, incident.agency)
    with audit.acting_for(actor, incident.agency_id):
        updated, changed = _update(actor, incident, changes, expected_version, replace)
        if changed:
            after_write([updated])
    _ensure_in_scope(actor, updated)
    return updated


def _update(
    actor: User,
    incident: Incident,
    changes: Mapping[str, Any],
    expected_version: int | None,
    replace: bool,
) -> tuple[Incident, bool]:
    current = _lock_current(incident, expected_version)
    if replace:
        base = {
            **DEFAULTS,
            "reported_at": current.reported_at,
            "tlp": current.tlp,
            "location_precision": current.location_precision,
        }
    else:
        base = current_record(current)
    record = {**base, **changes}
    ref = record.get("external_ref")
    taken = Incident.objects.filter(agency_id=current.agency_id, external_ref=ref)
    if ref and taken.exclude(pk=current.pk).exists():
        raise Conflict(errors={"external_ref": ["Another incident of your agency has it."]})
    return _apply(actor, current, record)


@transaction.atomic
def incident_delete(*, actor: User, incident: Incident, expected_version: int | None) -> None:
    """Delete an incident and its persons (each audited). Actor: writer of the owning agency.

    Raises NotAllowed, PreconditionFailed.
    """
    require_writer(actor, incident.agency)
    with audit.acting_for(actor, incident.agency_id):
        current = _lock_current(incident, expected_version)
        partners = ingest_hooks.before_delete([current])
        for person in current.persons.all():
            person.delete()
        current.delete()
        ingest_hooks.after_delete(partners)
