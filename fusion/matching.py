"""Deconfliction: find other agencies' incidents that look like the same event, or that name
the same national id, and record a match hint for both owners (never the other's content).

Witnesses never produce person matches, and neither do incidents in protected contexts.
This runs as the system, not as a user: it reads across agencies to produce hints only.
Set-based: a batch of incidents costs a few queries, not one per incident. Matches are
derived data (like permission rows) and are not written to the audit trail one by one.
"""

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Q

from fusion.choices import MatchKind
from fusion.models import Match
from incidents.choices import PersonRole
from incidents.models import Category, Incident, Person
from incidents.rules import PROTECTED_CONTEXTS

EVENT_RADIUS_KM = 2.0
EVENT_WINDOW = timedelta(hours=6)
EARTH_RADIUS_KM = 6371.0088  # the mean radius, as distance_km uses
# The search box around an incident holds its whole EVENT_RADIUS_KM circle: half-sides from
# the circle's angular radius, widened by a hair against rounding in trigonometry.
_ANGLE = EVENT_RADIUS_KM / EARTH_RADIUS_KM
_MARGIN = 1 + 1e-9
CHUNK = 500


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _protected(contexts: Sequence[str] | None) -> bool:
    return bool(PROTECTED_CONTEXTS.intersection(contexts or ()))


def event_score(a: Incident, b: Incident, groups: dict[str, str]) -> float | None:
    """0..1 for one event reported twice; None when place, time or category disagree."""
    if a.agency_id == b.agency_id or groups.get(a.category_id) != groups.get(b.category_id):
        return None
    km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
    hours = abs((a.occurred_at - b.occurred_at).total_seconds()) / 3600
    window = EVENT_WINDOW.total_seconds() / 3600
    if km > EVENT_RADIUS_KM or hours > window:
        return None
    same_category = 1.0 if a.category_id == b.category_id else 0.5
    score = 0.4 * (1 - km / EVENT_RADIUS_KM) + 0.3 * (1 - hours / window) + 0.3 * same_category
    return round(score, 3)


def half_sides(latitude: float) -> tuple[float, float]:
    """Half the height and width, in degrees, of the smallest latitude/longitude box around a
    point at this latitude that holds every point within EVENT_RADIUS_KM (by distance_km).
    The widest part of the circle is poleward of the centre: asin(sin r / cos lat), not
    r / cos lat; a circle around a pole spans every longitude."""
    height = math.degrees(_ANGLE) * _MARGIN
    cos_lat = math.cos(math.radians(latitude))
    if cos_lat <= math.sin(_ANGLE):
        return height, 180.0
    return height, math.degrees(math.asin(math.sin(_ANGLE) / cos_lat)) * _MARGIN


def _box(incident: Incident) -> Q:
    dlat, dlon = half_sides(incident.latitude)
    return Q(
        occurred_at__range=(
            incident.occurred_at - EVENT_WINDOW,
            incident.occurred_at + EVENT_WINDOW,
        ),
        latitude__range=(incident.latitude - dlat, incident.latitude + dlat),
        longitude__range=(incident.longitude - dlon, incident.longitude + dlon),
    )


# Incidents are indexed by the 1/PLACE_CELLS_PER_DEGREE-degree cell of their latitude and of
# their longitude, then time (incidents migration 0008, whose expressions this must repeat).
# A new incident probes each cell its box touches for its time window: a handful of index
# ranges, where the time index alone would return every incident of the province in the
# window (at 1,000,000 incidents over ten years, ~400 per probe, most fetched from the heap).
# `OFFSET 0` keeps each probe a scan of its own, whatever the planner guesses of the number
# of cells. Longitudes do not wrap at ±180° (nor do they in the Python path).
PLACE_CELLS_PER_DEGREE = 20
_CANDIDATES_SQL = """
SELECT b.id, b.agency_id, b.category, b.latitude, b.longitude, b.occurred_at,
       o.id, o.agency_id, o.category, o.latitude, o.longitude, o.occurred_at
FROM ({new}) AS b
CROSS JOIN LATERAL (SELECT {height}::float8 AS dlat,
                           CASE WHEN cos(radians(b.latitude)) <= {sin}::float8 THEN 180::float8
                           ELSE degrees(asin({sin}::float8 / cos(radians(b.latitude))))
                                * {margin}::float8 END AS dlon) AS r
CROSS JOIN LATERAL generate_series(floor((b.latitude - r.dlat) * {cells})::int,
                                   floor((b.latitude + r.dlat) * {cells})::int) AS ci(cell)
CROSS JOIN LATERAL generate_series(floor((b.longitude - r.dlon) * {cells})::int,
                                   floor((b.longitude + r.dlon) * {cells})::int) AS cj(cell)
CROSS JOIN LATERAL (
    SELECT o.id, o.agency_id, o.category, o.latitude, o.longitude, o.occurred_at
    FROM incidents_incident o
    WHERE floor(o.latitude * {cells}) = ci.cell AND floor(o.longitude * {cells}) = cj.cell
      AND o.occurred_at BETWEEN b.occurred_at - %s AND b.occurred_at + %s
      AND o.latitude BETWEEN b.latitude - r.dlat AND b.latitude + r.dlat
      AND o.longitude BETWEEN b.longitude - r.dlon AND b.longitude + r.dlon
      AND o.agency_id <> b.agency_id
    OFFSET 0
) AS o
"""
_GIVEN = (
    "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::float8[], %s::float8[], "
    "%s::timestamptz[]) AS i(id, agency_id, category, latitude, longitude, occurred_at)"
)
_FIELDS = ("id", "agency_id", "category_id", "latitude", "longitude", "occurred_at")


def _candidates_sql(new: str) -> str:
    """The candidate query for the rows of SQL `new`, with the box as half_sides computes it
    (its constants written as their exact repr); parameters: new's, then the window twice."""
    return _CANDIDATES_SQL.format(
        new=new,
        cells=PLACE_CELLS_PER_DEGREE,
        height=repr(half_sides(0.0)[0]),
        sin=repr(math.sin(_ANGLE)),
        margin=repr(_MARGIN),
    )


def _candidate_rows(new: str, params: Sequence[object], *, explain: bool = False) -> list:
    """Run the candidate query (or, with `explain`, its EXPLAIN) as matching runs it."""
    sql = ("EXPLAIN " if explain else "") + _candidates_sql(new)
    # PostgreSQL guesses 1,000 cells per generate_series (there are one to four), so it
    # costs the query high enough to compile it (JIT), which takes longer than running it;
    # JIT is off for this statement only.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = cursor.fetchone()[0]
        cursor.execute(sql, [*params, EVENT_WINDOW, EVENT_WINDOW])
        rows = cursor.fetchall()
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return rows


def _event_candidates(new: str, params: Sequence[object]) -> list[Match]:
    """PostgreSQL, one query: each new incident (the rows of SQL `new`) probes the place and
    time index for the cells its box touches, within its ±window; pairs are then scored by
    `event_score`."""
    groups = dict(Category.objects.values_list("slug", "group"))
    rows = _candidate_rows(new, params)
    found = []
    for row in rows:
        incident = Incident(**dict(zip(_FIELDS, row[:6], strict=True)))
        other = Incident(**dict(zip(_FIELDS, row[6:], strict=True)))
        score = event_score(incident, other, groups)
        if score is not None:
            found.append(_pair(MatchKind.EVENT, incident, other, score))
    return found


def _event_matches_postgresql(incidents: list[Incident]) -> list[Match]:
    columns = [[getattr(i, name) for i in incidents] for name in _FIELDS]
    return _event_candidates(_GIVEN, columns)


def event_matches_selected(new: str, params: Sequence[object] = ()) -> int:
    """PostgreSQL: record the event matches of new incidents given as the rows of SQL `new`
    (columns id, agency_id, category, latitude, longitude, occurred_at: a bulk batch as
    staged), without loading them; returns how many pairs were found."""
    return _save(_event_candidates(new, params))


def person_matches_of(incidents: list[Incident]) -> int:
    """Record the person matches of these incidents (their persons already stored)."""
    return _save(_person_matches(incidents))


def _event_matches(incidents: list[Incident]) -> list[Match]:
    if connection.vendor == "postgresql":
        return _event_matches_postgresql(incidents)
    groups = dict(Category.objects.values_list("slug", "group"))
    found = []
    ids = {i.pk for i in incidents}
    for start in range(0, len(incidents), CHUNK):
        chunk = sorted(incidents[start : start + CHUNK], key=lambda i: i.occurred_at)
        times = [i.occurred_at for i in chunk]
        owners = {i.agency_id for i in chunk}
        candidates = Incident.objects.filter(reduce(or_, (_box(i) for i in chunk))).only(
            "id", "agency_id", "category", "latitude", "longitude", "occurred_at"
        )
        if len(owners) == 1:
            candidates = candidates.exclude(agency_id__in=owners)
        for other in candidates:
            if other.pk in ids and len(owners) == 1:
                continue
            lo = bisect.bisect_left(times, other.occurred_at - EVENT_WINDOW)
            hi = bisect.bisect_right(times, other.occurred_at + EVENT_WINDOW)
            for incident in chunk[lo:hi]:
                score = event_score(incident, other, groups)
                if score is not None:
                    found.append(_pair(MatchKind.EVENT, incident, other, score))
    return found


def _person_matches(incidents: list[Incident]) -> list[Match]:
    by_id = {i.pk: i for i in incidents if not _protected(i.contexts)}
    named = (
        Person.objects.filter(incident_id__in=list(by_id), national_id_index__isnull=False)
        .exclude(role=PersonRole.WITNESS)
        .values_list("incident_id", "national_id_index")
    )
    wanted = defaultdict(set)
    for incident_id, index in named:
        wanted[index].add(incident_id)
    if not wanted:
        return []
    others = (
        Person.objects.filter(national_id_index__in=list(wanted))
        .exclude(role=PersonRole.WITNESS)
        .select_related("incident")
        .only("national_id_index", "incident__id", "incident__agency_id", "incident__contexts")
    )
    found = []
    for person in others:
        other = person.incident
        if _protected(other.contexts):
            continue
        for incident_id in wanted[person.national_id_index]:
            incident = by_id[incident_id]
            if incident.agency_id != other.agency_id:
                found.append(_pair(MatchKind.PERSON, incident, other, 1.0))
    return found


def _pair(kind: str, a: Incident, b: Incident, score: float) -> Match:
    first, second = sorted((a, b), key=lambda i: str(i.pk))
    return Match(
        kind=kind,
        incident_a_id=first.pk,
        incident_b_id=second.pk,
        agency_a_id=first.agency_id,
        agency_b_id=second.agency_id,
        score=score,
    )


def matches_find(incidents: Iterable[Incident]) -> int:
    """Record event and person matches of these (new or changed) incidents; returns how many
    candidate pairs were found (existing pairs are kept as they are)."""
    incidents = list(incidents)
    return _save([*_event_matches(incidents), *_person_matches(incidents)])


def _save(matches: list[Match]) -> int:
    """Store new pairs (existing pairs are kept as they are); returns how many were found."""
    found = {(m.kind, m.incident_a_id, m.incident_b_id): m for m in matches}
    Match.objects.bulk_create(found.values(), ignore_conflicts=True, batch_size=1000)
    return len(found)


def matches_for_agencies(agency_ids: list[int]) -> Q:
    """Matches where one side belongs to one of these agencies."""
    return Q(agency_a_id__in=agency_ids) | Q(agency_b_id__in=agency_ids)
