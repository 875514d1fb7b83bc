"""Match hints: how many an agency is given, which side of a match each agency sees, and what
is recorded about them.

- A hint's `score` is a band, not a measurement: EVENT_BAND for "may be the same event",
  PERSON_BAND for "names the same national id". Nothing in it depends on distance or time.
- Budget: an agency is given at most FUSION_MATCH_HINT_BUDGET new hints in MATCH_HINT_WINDOW,
  counted on the side that receives them, whoever's write found them (an agency cannot place
  probes first and let the other's writes pay for its hints). Beyond it a hint is withheld
  from that side only: the other side still sees it and is told that the agency was refused
  a hint about its incident (`match.hint_withheld`), so probing is bounded for the prober and
  visible to the owner. The prober learns nothing per probe: the one entry about its own
  budget (`match.budget_spent`) is written when its last hint is given, which it sees anyway.
- A person hint confirms only that the other agency holds a record naming the national id;
  each is an audit entry about the other agency's incident, told to that agency's admins.
- Hints outlive either incident (the reference is emptied): deleting a probe erases nothing
  of what its owner's counterpart was told.
- A hint whose incident has since become TLP:RED or AMBER+STRICT is shown to no one.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Agency
from fusion import audit
from fusion.choices import MatchKind
from fusion.models import Match
from fusion.sharing.tlp import MATCHABLE_TLPS
from incidents.choices import TLP
from incidents.models import Incident

EVENT_BAND = 0.5
PERSON_BAND = 1.0
MATCH_HINT_WINDOW = timedelta(hours=24)
BUDGET_SPENT = "match.budget_spent"
HINT_WITHHELD = "match.hint_withheld"
PERSON_HINT = "match.person_hint"
_UNMATCHABLE = sorted(set(TLP) - MATCHABLE_TLPS)


class Side(NamedTuple):
    """One agency's view of a match: its own incident (None once deleted) and the other."""

    agency_id: int
    own_incident_id: UUID | None
    other_agency_id: int


def hints_record(found: list[Match]) -> int:
    """Store the new pairs among `found` (unsaved, `found_by` set), each side within its
    agency's budget; returns how many pairs were found (stored ones are kept as they are)."""
    unique = {(m.kind, m.incident_a_id, m.incident_b_id): m for m in found}
    if not unique:
        return 0
    stored = _stored(unique)
    new = [m for key, m in unique.items() if key not in stored]
    if new:
        with transaction.atomic():
            _within_budgets(new)
            Match.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
            _log_person_hints([m for m in new if m.kind == MatchKind.PERSON])
    return len(unique)


def _stored(unique: dict[tuple, Match]) -> set[tuple]:
    firsts = {a for _, a, _ in unique}
    seconds = {b for _, _, b in unique}
    rows = Match.objects.filter(incident_a_id__in=firsts, incident_b_id__in=seconds)
    return set(rows.values_list("kind", "incident_a_id", "incident_b_id"))


def _received(agency_id: int) -> int:
    """Hints the agency was given (not withheld from it) in the current window."""
    since = timezone.now() - MATCH_HINT_WINDOW
    seen = Q(agency_a_id=agency_id, withheld_a=False) | Q(agency_b_id=agency_id, withheld_b=False)
    return Match.objects.filter(seen, created_at__gte=since).count()


def _within_budgets(hints: list[Match]) -> None:
    """Withhold each side of each hint beyond its agency's budget. The receiving agencies'
    rows are locked while counting (in id order), so concurrent writes cannot both spend the
    rest of one budget."""
    budget = settings.FUSION_MATCH_HINT_BUDGET
    agencies = sorted({a for m in hints for a in (m.agency_a_id, m.agency_b_id)})
    list(Agency.objects.select_for_update().filter(pk__in=agencies).order_by("pk"))
    before = {agency: _received(agency) for agency in agencies}
    given = dict(before)
    for hint in hints:
        hint.withheld_a = given[hint.agency_a_id] >= budget
        hint.withheld_b = given[hint.agency_b_id] >= budget
        given[hint.agency_a_id] += not hint.withheld_a
        given[hint.agency_b_id] += not hint.withheld_b
    for agency in agencies:
        if before[agency] < budget <= given[agency]:
            audit.log_event(
                event=BUDGET_SPENT,
                model=Agency,
                object_pk=str(agency),
                object_repr="match hint budget spent",
                details={"object_agency_id": agency, "budget": budget},
            )
    for hint in hints:
        _log_withheld(hint)


def _log_withheld(hint: Match) -> None:
    """Tell the side that still sees a hint that the other side was refused it (oversight
    alone reads it when both sides were)."""
    both = hint.withheld_a and hint.withheld_b
    for withheld, agency, other, incident in (
        (hint.withheld_a, hint.agency_a_id, hint.agency_b_id, hint.incident_b_id),
        (hint.withheld_b, hint.agency_b_id, hint.agency_a_id, hint.incident_a_id),
    ):
        if withheld:
            audit.log_event(
                event=HINT_WITHHELD,
                model=Incident,
                object_pk=str(incident),
                object_repr="a match hint about this incident was withheld from another agency",
                details={"object_agency_id": None if both else other, "from_agency_id": agency},
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


def hints_for(agency_ids: list[int]) -> QuerySet[Match]:
    """Matches of which one of these agencies sees at least one side."""
    seen = Q(agency_a_id__in=agency_ids, withheld_a=False) | Q(
        agency_b_id__in=agency_ids, withheld_b=False
    )
    return (
        Match.objects.filter(seen)
        .exclude(incident_a__tlp__in=_UNMATCHABLE)
        .exclude(incident_b__tlp__in=_UNMATCHABLE)
    )


def sides(match: Match, agency_ids: list[int] | set[int]) -> Iterator[Side]:
    """The sides of a match (from `hints_for`) that these agencies see."""
    for own, incident, other, withheld in (
        (match.agency_a_id, match.incident_a_id, match.agency_b_id, match.withheld_a),
        (match.agency_b_id, match.incident_b_id, match.agency_a_id, match.withheld_b),
    ):
        if own in agency_ids and not withheld:
            yield Side(own, incident, other)
