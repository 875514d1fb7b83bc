"""Flags people act on: raised when a result is approved, acknowledged by its agency, given an
outcome.

Each flag of an approved result becomes a `Flag` row (`flags_raise`, called by the review in
the same transaction, and by `flags_update` for results approved before flags were kept):

- hotspots: one per hot cell (`hot_cells`), about the FLAG_HOTSPOT_DAYS days after the
  window's end;
- forecast: one per flagged cell, about the forecast period;
- surges: one per flagged "district|category", about the period after the tested one;
- links: one per proposed pair, about no period.
A cell's district is the register's at its centre, else the commonest of its evidence; a
surge's is its key's; a link's is its first incident's.

The agency's analysts, coordinators and admins acknowledge a flag once (`flag_acknowledge`:
patrol, inquiry, or none with a reason). Once a cell's or surge's period has ended its outcome
is computed from later incidents (analytics.flag_outcomes); a link's outcome (are the two
reports one event?), and that of a flag whose place is not known, is recorded by a person
(`flag_outcome_record`). Acknowledgements and outcomes are audited (the model is registered
with auditlog); the flags themselves are derived from the approval, which is.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import agency_ids_with_role
from analytics import periods
from analytics.choices import FlagAction, Kind, OutcomeSource, Status
from analytics.models import Assessment, AssessmentInput, Flag
from fusion import audit
from fusion.errors import Conflict, Invalid, NotAllowed
from incidents.districts import register

# Who acts on a flag for its agency: acknowledges it, records an outcome, reads the KPIs.
FLAG_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR, Role.AGENCY_ADMIN})
COMPUTED_KINDS = (Kind.HOTSPOTS, Kind.FORECAST, Kind.SURGES)
MAX_NOTE = 2000


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _box(cell: dict) -> list[float] | None:
    ring = (cell.get("geometry") or {}).get("coordinates", [[]])[0]
    if not ring:
        return None
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def _commonest(values: list[str]) -> str:
    named = [v for v in values if v]
    return Counter(named).most_common(1)[0][0] if named else ""


def _districts(assessment: Assessment, incident_ids: set) -> dict[str, str]:
    """District of each named incident of the snapshot, by id as text."""
    rows = AssessmentInput.objects.filter(assessment=assessment, incident_id__in=incident_ids)
    return {str(i): d for i, d in rows.values_list("incident_id", "district")}


def _cell_flags(assessment: Assessment, ids: list[int], start: datetime, end: datetime) -> list:
    result = assessment.result or {}
    cells = {c["id"]: c for c in result.get("cells", [])}
    evidence = {i for c in ids for i in cells.get(c, {}).get("incidents", [])}
    districts = _districts(assessment, evidence)
    flags = []
    for cell_id in ids:
        cell = cells.get(cell_id, {})
        box = _box(cell)
        district = ""
        if box is not None:
            centre = ((box[1] + box[3]) / 2, (box[0] + box[2]) / 2)
            district = register().district_at(*centre) or ""
        if not district:
            ids_here = [str(i) for i in cell.get("incidents", [])]
            district = _commonest([districts.get(i, "") for i in ids_here])
        place = {"cell": cell_id, "bbox": box, "grid": result.get("grid")}
        flags.append((str(cell_id), district, place, start, end))
    return flags


def _hotspot_flags(assessment: Assessment) -> list:
    ids = list((assessment.result or {}).get("hot_cells", []))
    if not ids:
        return []
    end = _when(assessment.scope["occurred_before"])
    return _cell_flags(assessment, ids, end, end + timedelta(days=settings.FLAG_HOTSPOT_DAYS))


def _forecast_flags(assessment: Assessment) -> list:
    result = assessment.result or {}
    if not result.get("flagged_cells"):
        return []
    start = datetime.combine(date.fromisoformat(result["forecast_start"]), time(), UTC)
    end = periods.shift(start, result["period"], 1)
    return _cell_flags(assessment, list(result["flagged_cells"]), start, end)


def _surge_flags(assessment: Assessment) -> list:
    keys = (assessment.result or {}).get("flagged", [])
    if not keys:
        return []
    end = _when(assessment.scope["occurred_before"])
    following = periods.shift(end, assessment.params["period"], 1)
    flags = []
    for key in keys:
        district, category = key.split("|", 1)
        place = {"district": district, "category": category}
        flags.append((key, "" if district == "(none)" else district, place, end, following))
    return flags


def _link_flags(assessment: Assessment) -> list:
    links = (assessment.result or {}).get("links", [])
    districts = _districts(assessment, {link["incidents"][0] for link in links})
    return [
        (
            "|".join(link["incidents"]),
            districts.get(str(link["incidents"][0]), ""),
            {"incidents": link["incidents"], "agencies": link.get("agencies", [])},
            None,
            None,
        )
        for link in links
    ]


FLAGS_OF = {
    Kind.HOTSPOTS: _hotspot_flags,
    Kind.FORECAST: _forecast_flags,
    Kind.SURGES: _surge_flags,
    Kind.LINKS: _link_flags,
}


def flags_raise(assessment: Assessment) -> int:
    """Make the flags of an approved result (idempotent: flags already made are kept as they
    are); returns how many were made. Their time is the approval's."""
    if assessment.status != Status.APPROVED or not assessment.result:
        return 0
    rows = [
        Flag(
            assessment=assessment,
            agency_id=assessment.agency_id,
            kind=assessment.kind,
            key=key,
            district=district[:100],
            place=place,
            period_start=start,
            period_end=end,
            created_at=assessment.reviewed_at or timezone.now(),
        )
        for key, district, place, start, end in FLAGS_OF[assessment.kind](assessment)
    ]
    made = Flag.objects.bulk_create(rows, ignore_conflicts=True)
    return len(made)


def can_act_on(user: User, flag: Flag) -> bool:
    """An analyst, coordinator or admin of the flag's agency (the agency it was raised for)."""
    return flag.agency_id in agency_ids_with_role(user, FLAG_ROLES)


def _locked(flag: Flag, actor: User) -> Flag:
    if not can_act_on(actor, flag):
        raise NotAllowed("Only analysts, coordinators and admins of the flag's agency act on it.")
    current = Flag.objects.select_for_update().select_related("assessment").get(pk=flag.pk)
    if current.assessment.status != Status.APPROVED:
        raise Conflict(f"The assessment is {current.assessment.status}; its flags are closed.")
    return current


@audit.attributed
def flag_acknowledge(*, actor: User, flag: Flag, action: str, reason: str = "") -> Flag:
    """Acknowledge a flag for its agency, once: which action it takes (patrol, inquiry, or
    none, which needs a reason). Raises NotAllowed (no role in its agency), Invalid (action,
    reason), Conflict (already acknowledged, or its result no longer approved)."""
    if action not in FlagAction.values:
        raise Invalid(errors={"action": [f"Must be one of: {', '.join(FlagAction.values)}."]})
    reason = (reason or "").strip()[:MAX_NOTE]
    if action == FlagAction.NONE and not reason:
        raise Invalid(errors={"reason": ["Say why no action is taken."]})
    with transaction.atomic():
        current = _locked(flag, actor)
        if current.acknowledged_at is not None:
            raise Conflict(
                f"The flag was acknowledged at {current.acknowledged_at.isoformat()} "
                f"({current.action}); a flag is acknowledged once."
            )
        current.acknowledged_by, current.acknowledged_at = actor, timezone.now()
        current.action, current.reason = action, reason
        current.save()
    return current


def outcome_computable(flag: Flag) -> bool:
    """Whether the flag's outcome is computed from later incidents (a cell with a known box, a
    surge) rather than recorded by a person (a link, a cell listed without its geometry)."""
    if flag.kind not in COMPUTED_KINDS or flag.period_end is None:
        return False
    return flag.kind == Kind.SURGES or bool(flag.place.get("bbox"))


@audit.attributed
def flag_outcome_record(*, actor: User, flag: Flag, occurred: bool, note: str = "") -> Flag:
    """Record a flag's outcome where it is not computed: for a link, whether the two reports
    are one event; for a cell without a known place or whose computation failed, whether an
    incident occurred there in the period. Once. Raises NotAllowed, Invalid (note too long),
    Conflict (computed flags, an outcome already given, a period not yet over)."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(errors={"note": [f"At most {MAX_NOTE} characters."]})
    with transaction.atomic():
        current = _locked(flag, actor)
        if current.outcome is not None:
            raise Conflict("The flag already has an outcome.")
        if outcome_computable(current) and not current.outcome_error:
            raise Conflict("This flag's outcome is computed from later incidents.")
        if current.period_end is not None and current.period_end > timezone.now():
            raise Conflict("The flag's period has not ended.")
        current.outcome, current.outcome_source = bool(occurred), OutcomeSource.RECORDED
        current.outcome_at, current.outcome_by, current.outcome_note = timezone.now(), actor, note
        current.save()
    return current
