"""What the kernel does when incidents are written, installed into incidents at start
(incidents.ingest_hooks): shares the new TLP no longer allows end, agreements share what they
now cover, and matches are looked for."""

from typing import Any
from uuid import UUID

from agencies.models import Agency
from fusion.sharing.agreements import (
    active_agreements_of,
    agreements_apply_to,
    agreements_grant_new,
    agreements_withdraw_stale,
)
from fusion.sharing.matching import (
    event_matches_selected,
    matches_find,
    partners_of,
    partners_rematch,
    person_matches_of,
)
from fusion.sharing.shares import shares_reconcile
from fusion.sharing.tlp import MATCHABLE_TLPS
from incidents.models import Incident


def after_write(incidents: list[Incident]) -> None:
    """After single writes: one incident at a time."""
    shares_reconcile(incidents)
    agreements_apply_to(incidents)
    matches_find(incidents)
    _unmatchable_rematch(incidents)


def after_upsert(
    agency: Agency,
    ids: list[UUID],
    updated: list[UUID],
    with_persons: list[Incident],
    written: tuple[str, list[Any]],
) -> None:
    """What single writes do after saving, set-based over a batch."""
    changed = []
    if updated:
        changed = list(Incident.objects.filter(pk__in=updated))
        shares_reconcile(changed)
        agreements, _ = agreements_withdraw_stale(changed)
    else:
        agreements = active_agreements_of({agency.pk})
    agreements_grant_new(agency.pk, agreements, ids)
    event_matches_selected(*written)
    if with_persons:
        person_matches_of(with_persons)
    _unmatchable_rematch(changed)


def _unmatchable_rematch(incidents: list[Incident]) -> None:
    """The incidents that had hints with those of these no longer matchable look again."""
    gone = [i.pk for i in incidents if i.tlp not in MATCHABLE_TLPS]
    if gone:
        partners_rematch(partners_of(gone))


def before_delete(incidents: list[Incident]) -> list[UUID]:
    """Before incidents are deleted: the ids of the incidents that have hints with them."""
    return [i.pk for i in partners_of([i.pk for i in incidents])]


def after_delete(partners: list[UUID]) -> None:
    """After the delete: those incidents look again for a match in the agencies they lost."""
    partners_rematch(list(Incident.objects.filter(pk__in=partners)))
