"""No agency may publish as its own an incident it copied from another agency.

A recipient that sees another agency's incident (through a share, or because it is
TLP:CLEAR) could store the same event under its own reference, with its own, weaker marking,
and share it on: the owner's marking and its control over sharing would be gone. Every write
of an incident (single, bulk, file and STIX or CSV import; create and update) is therefore
compared with the incidents of other agencies the writer may see: a record that introduces
their reference (on create) or their fingerprint (incidents.rules.event_fingerprint) is
refused, naming the record and the field.

Only incidents visible to the writer are compared (fusion.visibility): a record matching an
incident the writer may not see is stored exactly as if nothing matched, so that a write is
never a probe of hidden records. TLP:CLEAR incidents are not compared either: anyone may
republish them, no marking can be weakened, and every agency sees them, so their references
(often plain numbers) and identical reports of one public event would refuse honest writes.
A refusal names what the writer already sees: the other agency and which of the record's
fields matched.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from agencies.models import Agency, User
from fusion.errors import Conflict
from fusion.plan_shapes import id_array
from fusion.visibility import visible_incidents
from incidents.choices import TLP

CONTENT = "content"  # the error key of a fingerprint match: time, place, category, description


@dataclass(frozen=True)
class Claim:
    """What one record would newly store: its reference when it creates an incident or
    changes its reference, its fingerprint when it creates one or changes its content (None
    for what an update leaves as it was)."""

    external_ref: str | None
    fingerprint: str | None


class Copied(Conflict):
    """Records copy incidents of other agencies the writer sees (409). `by_index` holds the
    field errors of each refused record, by its position in the write; `errors` names them
    as `{"incidents": {index: {field: [...]}}}`, or `{field: [...]}` for a single write."""

    def __init__(self, by_index: Mapping[int, dict[str, Any]], *, single: bool = False) -> None:
        self.by_index = dict(by_index)
        noun = "record copies" if len(by_index) == 1 else "records copy"
        errors = (
            self.by_index[0]
            if single
            else {"incidents": {str(i): e for i, e in sorted(self.by_index.items())}}
        )
        super().__init__(
            f"{len(by_index)} {noun} another agency's incident; nothing was stored.",
            errors=errors,
        )


# PostgreSQL: the batch's fingerprints and references as one JSON parameter each, so that a
# batch of 5,000 is two parameters to adapt and a short statement to send, not 10,000.
_MATCHING_SQL = (
    "(incidents_incident.fingerprint = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))"
    " OR (incidents_incident.agency_id = ANY(%s::bigint[]) AND incidents_incident.external_ref"
    " = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))))"
)


def _matching(prints: set[str], refs: set[str], others: list[int]) -> Q | RawSQL:
    if connection.vendor != "postgresql":
        return Q(fingerprint__in=prints) | Q(agency_id__in=others, external_ref__in=refs)
    params = (json.dumps(sorted(prints)), id_array(others), json.dumps(sorted(refs)))
    return RawSQL(_MATCHING_SQL, params, BooleanField())  # noqa: S611


def copies(actor: User, agency_id: int, claims: Sequence[Claim]) -> dict[int, dict[str, Any]]:
    """Field errors, by index of `claims`, of the claims matching an incident that `actor` may
    see and that an agency other than `agency_id` owns. One query, on the fingerprint index and
    the (agency, external_ref) key."""
    refs = {c.external_ref for c in claims if c.external_ref}
    prints = {c.fingerprint for c in claims if c.fingerprint}
    if not refs and not prints:
        return {}
    others = list(Agency.objects.exclude(pk=agency_id).values_list("pk", flat=True))
    found = (
        visible_incidents(actor)
        .filter(_matching(prints, refs, others))
        .exclude(agency_id=agency_id)
        .exclude(tlp=TLP.CLEAR)
        .order_by()
        .values_list("agency__code", "external_ref", "fingerprint")
    )
    by_ref, by_print = {}, {}
    for code, ref, fingerprint in found:
        by_ref.setdefault(ref, code)
        by_print.setdefault(fingerprint, code)
    errors: dict[int, dict[str, Any]] = {}
    for index, claim in enumerate(claims):
        found_errors = {}
        if claim.external_ref and claim.external_ref in by_ref:
            found_errors["external_ref"] = [_message(by_ref[claim.external_ref], "reference")]
        if claim.fingerprint and claim.fingerprint in by_print:
            found_errors[CONTENT] = [
                _message(by_print[claim.fingerprint], "time, place, category and description")
            ]
        if found_errors:
            errors[index] = found_errors
    return errors


def _message(code: str, what: str) -> str:
    return (
        f"This record copies an incident of agency {code!r} that you can see (same {what}); "
        "it cannot be re-published as yours."
    )


def refuse_copies(
    actor: User, agency_id: int, claims: Sequence[Claim], *, single: bool = False
) -> None:
    """Raise Copied when any claim copies another agency's incident visible to `actor`."""
    errors = copies(actor, agency_id, claims)
    if errors:
        raise Copied(errors, single=single)
