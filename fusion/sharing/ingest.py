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
from fusion.sharing.matching import event_matches_selected, matches_find, person_matches_of
from fusion.sharing.shares import shares_reconcile
from incidents.models import Incident


def after_write(incidents: list[Incident]) -> None:
    """After single writes: one incident at a time."""
    shares_reconcile(incidents)
    agreements_apply_to(incidents)
    matches_find(incidents)


def after_upsert(
    agency: Agency,
    ids: list[UUID],
    updated: list[UUID],
    with_persons: list[Incident],
    written: tuple[str, list[Any]],
) -> None:
    """What single writes do after saving, set-based over a batch."""
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
