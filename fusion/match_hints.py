"""Match hints: how many an agency is given, which side of a match each agency sees, and what
is recorded about them.

- A hint's `score` is a band, not a measurement: EVENT_BAND for "may be the same event",
  PERSON_BAND for "names the same national id". Nothing in it depends on distance or time.
- Budget: an agency whose writes find more than FUSION_MATCH_HINT_BUDGET new hints in
  MATCH_HINT_WINDOW gets no more of them until the window moves on; the hints are still
  recorded and the other agency (the owner of the earlier record) still sees its side, so
  probing is bounded for the prober and visible to the owner. Running out is an audit entry
  about the finding agency, told to its admins.
- A person hint confirms only that the other agency holds a record naming the national id;
  each is an audit entry about the other agency's incident, told to that agency's admins.
- Hints outlive either incident (the reference is emptied): deleting a probe erases nothing
  of what its owner's counterpart was told.
- A hint whose incident has since become TLP:RED or AMBER+STRICT is shown to no one.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from agencies.models import Agency
from fusion import audit
from fusion.choices import MatchKind
from fusion.models import Match
from fusion.tlp import MATCHABLE_TLPS
from incidents.choices import TLP
from incidents.models import Incident

EVENT_BAND = 0.5
PERSON_BAND = 1.0
MATCH_HINT_WINDOW = timedelta(hours=24)
BUDGET_SPENT = "match.budget_spent"
PERSON_HINT = "match.person_hint"
_UNMATCHABLE = sorted(set(TLP) - MATCHABLE_TLPS)


class Side(NamedTuple):
    """One agency's view of a match: its own incident (None once deleted) and the other."""

    agency_id: int
    own_incident_id: UUID | None
    other_agency_id: int


def hints_record(found: list[Match]) -> int:
    """Store the new pairs among `found` (unsaved, `found_by` set), within each finding
    agency's budget; returns how many pairs were found (stored ones are kept as they are)."""
    unique = {(m.kind, m.incident_a_id, m.incident_b_id): m for m in found}
    if not unique:
        return 0
    new = [m for key, m in unique.items() if key not in _stored(unique)]
    by_finder: dict[int, list[Match]] = defaultdict(list)
    for match in new:
        by_finder[match.found_by_id].append(match)
    with transaction.atomic():
        for finder_id in sorted(by_finder):
            _within_budget(finder_id, by_finder[finder_id])
        Match.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        _log_person_hints([m for m in new if m.kind == MatchKind.PERSON])
    return len(unique)


def _stored(unique: dict[tuple, Match]) -> set[tuple]:
    firsts = {a for _, a, _ in unique}
    seconds = {b for _, _, b in unique}
    rows = Match.objects.filter(incident_a_id__in=firsts, incident_b_id__in=seconds)
    return set(rows.values_list("kind", "incident_a_id", "incident_b_id"))


def _within_budget(finder_id: int, hints: list[Match]) -> None:
    """Mark the hints beyond the finder's budget as withheld from it (one counter per agency:
    its row is locked while counting, so concurrent batches cannot both spend the rest)."""
    Agency.objects.select_for_update().filter(pk=finder_id).exists()
    given = Match.objects.filter(
        found_by_id=finder_id, withheld=False, created_at__gte=timezone.now() - MATCH_HINT_WINDOW
    ).count()
    left = max(settings.FUSION_MATCH_HINT_BUDGET - given, 0)
    for position, hint in enumerate(hints):
        hint.withheld = position >= left
    if len(hints) > left:
        audit.log_event(
            event=BUDGET_SPENT,
            model=Agency,
            object_pk=str(finder_id),
            object_repr="match hint budget spent",
            details={
                "object_agency_id": finder_id,
                "budget": settings.FUSION_MATCH_HINT_BUDGET,
                "withheld": len(hints) - left,
            },
        )


def _log_person_hints(hints: list[Match]) -> None:
    """One entry per person hint, about the incident of the agency that did not find it."""
    for hint in hints:
        for agency_id, incident_id in (
            (hint.agency_a_id, hint.incident_a_id),
            (hint.agency_b_id, hint.incident_b_id),
        ):
            if agency_id != hint.found_by_id:
                audit.log_event(
                    event=PERSON_HINT,
                    model=Incident,
                    object_pk=str(incident_id),
                    object_repr="another agency's record names a national id this one names",
                    details={"object_agency_id": agency_id, "by_agency_id": hint.found_by_id},
                )


def _seen_by(agency_field: str, agency_ids: list[int]) -> Q:
    withheld = Q(withheld=True, found_by_id=F(agency_field))
    return Q(**{f"{agency_field}__in": agency_ids}) & ~withheld


def hints_for(agency_ids: list[int]) -> QuerySet[Match]:
    """Matches of which one of these agencies sees at least one side."""
    return (
        Match.objects.filter(
            _seen_by("agency_a_id", agency_ids) | _seen_by("agency_b_id", agency_ids)
        )
        .exclude(incident_a__tlp__in=_UNMATCHABLE)
        .exclude(incident_b__tlp__in=_UNMATCHABLE)
    )


def sides(match: Match, agency_ids: list[int] | set[int]) -> Iterator[Side]:
    """The sides of a match (from `hints_for`) that these agencies see."""
    for own, incident, other in (
        (match.agency_a_id, match.incident_a_id, match.agency_b_id),
        (match.agency_b_id, match.incident_b_id, match.agency_a_id),
    ):
        if own in agency_ids and not (match.withheld and match.found_by_id == own):
            yield Side(own, incident, other)
