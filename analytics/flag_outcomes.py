"""Outcomes of flags computed from later incidents, as the flag's agency sees them.

Once a flag's period has ended (`flags_update`, Celery beat, hourly), its outcome is whether
an incident occurred there in the period:
- a cell (hotspots, forecast): an incident placed exactly (location_precision "exact", as the
  gridded methods read them) in the cell's box [west, east) x [south, north), of the
  assessment's categories (all when it named none) and TLP ceiling;
- a surge: an incident of its district and category.
Retracted incidents do not count. Incidents are read through the visibility kernel as the
flag's agency sees them when the outcome is computed (fusion.sharing.visibility.agency_sees):
its own, TLP:CLEAR ones and those shared with it; an incident hidden from the agency never
changes an outcome it sees. An outcome is computed once and then kept. A forecast's flags also
keep how many such incidents fell anywhere in its grid in the period (`place.area_incidents`):
the realised hit rate is the share of those that fell in its flagged cells (analytics.kpis).
A computation that fails is recorded on the flags (`outcome_error`) and tried again on the next
run; meanwhile a person may record their outcome, which a later computation leaves as it is.
"""

import logging
from collections import defaultdict
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from analytics.choices import Kind, OutcomeSource, Status
from analytics.flags import COMPUTED_KINDS, flags_raise, outcome_computable
from analytics.models import Assessment, Flag
from analytics.scope import allowed_tlps
from fusion.sharing.visibility import agency_sees
from incidents.choices import Status as IncidentStatus
from incidents.models import Incident

logger = logging.getLogger(__name__)
FLAG_LISTS = {
    Kind.HOTSPOTS: "hot_cells",
    Kind.FORECAST: "flagged_cells",
    Kind.SURGES: "flagged",
    Kind.LINKS: "links",
}


def incidents_seen(flag: Flag, assessment: Assessment) -> QuerySet[Incident]:
    """Incidents of the flag's period its agency sees now, in the assessment's categories and
    TLP ceiling, not retracted."""
    rows = Incident.objects.filter(
        agency_sees(flag.agency),
        occurred_at__gte=flag.period_start,
        occurred_at__lt=flag.period_end,
    ).exclude(status=IncidentStatus.RETRACTED)
    if assessment.scope.get("categories"):
        rows = rows.filter(category_id__in=assessment.scope["categories"])
    if assessment.scope.get("tlp_max"):
        rows = rows.filter(tlp__in=allowed_tlps(assessment.scope["tlp_max"]))
    return rows


def grid_extent(flag: Flag) -> list[float] | None:
    """[west, south, east, north] of the grid of a cell flag: its spec's corner and shape,
    with the cell's size in degrees read from the flag's box."""
    grid, box = flag.place.get("grid"), flag.place.get("bbox")
    if not grid or not box:
        return None
    dlon, dlat = box[2] - box[0], box[3] - box[1]
    west, south = grid["west"], grid["south"]
    return [west, south, west + grid["nx"] * dlon, south + grid["ny"] * dlat]


def _inside(lon: np.ndarray, lat: np.ndarray, box: list[float]) -> np.ndarray:
    west, south, east, north = box
    return (lon >= west) & (lon < east) & (lat >= south) & (lat < north)


def _cell_outcomes(assessment: Assessment, flags: list[Flag]) -> dict[int, dict]:
    first = flags[0]
    extent = grid_extent(first)
    boxes = [f.place["bbox"] for f in flags] + ([extent] if extent else [])
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    rows = incidents_seen(first, assessment).filter(
        location_precision="exact",
        longitude__gte=west,
        longitude__lte=east,
        latitude__gte=south,
        latitude__lte=north,
    )
    points = np.array(list(rows.values_list("longitude", "latitude")), dtype=float).reshape(-1, 2)
    lon, lat = points[:, 0], points[:, 1]
    area = int(_inside(lon, lat, extent).sum()) if extent else None
    found = {}
    for flag in flags:
        n = int(_inside(lon, lat, flag.place["bbox"]).sum())
        place = {**flag.place, "area_incidents": area} if flag.kind == Kind.FORECAST else None
        found[flag.pk] = {"outcome_incidents": n, "outcome": n > 0, "place": place}
    return found


def _surge_outcomes(assessment: Assessment, flags: list[Flag]) -> dict[int, dict]:
    """One count per (district, category) for the flags that share a period and agency (all
    of one surges result do), not one query per flag."""
    found = {}
    groups: dict[tuple, list[Flag]] = defaultdict(list)
    for flag in flags:
        groups[(flag.agency_id, flag.period_start, flag.period_end)].append(flag)
    for members in groups.values():
        wanted = {(_district(f), f.place["category"]) for f in members}
        counts = dict.fromkeys(wanted, 0)
        rows = (
            incidents_seen(members[0], assessment)
            .filter(district__in={d for d, _ in wanted}, category_id__in={c for _, c in wanted})
            .values_list("district", "category_id")
            .annotate(n=Count("pk"))
        )
        for district, category, n in rows:
            if (district, category) in counts:
                counts[(district, category)] = n
        for flag in members:
            n = counts[(_district(flag), flag.place["category"])]
            found[flag.pk] = {"outcome_incidents": n, "outcome": n > 0, "place": None}
    return found


def _district(flag: Flag) -> str:
    """The district a surge flag names, as incidents store it ("(none)" is blank)."""
    return "" if flag.place["district"] == "(none)" else flag.place["district"]


def outcomes_compute(assessment: Assessment, flags: list[Flag], now: datetime) -> int:
    """Compute and keep the outcomes of these flags of one assessment (their periods over);
    a failure is recorded on them. Returns how many outcomes were given."""
    given = 0
    cells = [f for f in flags if f.kind != Kind.SURGES]
    surges = [f for f in flags if f.kind == Kind.SURGES]
    try:
        found = {**(_cell_outcomes(assessment, cells) if cells else {})}
        found.update(_surge_outcomes(assessment, surges) if surges else {})
    except Exception as exc:  # recorded on the flags, which a person may then decide
        logger.exception("flag outcomes of assessment %s failed", assessment.pk)
        reason = f"{type(exc).__name__}: {exc}"[:2000]
        Flag.objects.filter(pk__in=[f.pk for f in flags]).update(outcome_error=reason)
        return 0
    with transaction.atomic():
        # a person may have recorded an outcome meanwhile (after a failed computation): kept
        still_open = Flag.objects.select_for_update().filter(
            pk__in=[f.pk for f in flags], outcome__isnull=True
        )
        for flag in still_open:
            values = found[flag.pk]
            flag.outcome, flag.outcome_incidents = values["outcome"], values["outcome_incidents"]
            flag.place = values["place"] or flag.place
            flag.outcome_source, flag.outcome_at = OutcomeSource.COMPUTED, now
            flag.outcome_error = ""
            flag.save()  # one by one: each change is audited
            given += 1
    return given


def _backfill() -> int:
    """Flags of approved results that have none yet (approved before flags were kept)."""
    flaggable = Q()
    for kind, key in FLAG_LISTS.items():  # a result whose flag list is empty has none to raise
        flaggable |= Q(kind=kind, **{f"result__{key}__isnull": False}) & ~Q(
            **{f"result__{key}": []}
        )
    missing = Assessment.objects.filter(flaggable, status=Status.APPROVED).filter(
        ~Exists(Flag.objects.filter(assessment=OuterRef("pk")))
    )
    return sum(flags_raise(assessment) for assessment in missing.iterator(chunk_size=50))


def flags_update(now: datetime | None = None) -> int:
    """Raise missing flags, then compute the outcome of every flag of an approved result
    whose period has ended and that has none (idempotent). Returns how many were computed."""
    now = now or timezone.now()
    _backfill()
    due = Flag.objects.filter(
        outcome__isnull=True,
        kind__in=COMPUTED_KINDS,
        period_end__lte=now,
        assessment__status=Status.APPROVED,
    ).select_related("assessment", "agency")
    by_assessment: dict = defaultdict(list)
    for flag in due:
        if outcome_computable(flag):
            by_assessment[flag.assessment_id].append(flag)
    return sum(
        outcomes_compute(flags[0].assessment, flags, now) for flags in by_assessment.values()
    )
