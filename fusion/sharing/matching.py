"""Deconfliction: find other agencies' incidents that look like the same event, or that name
the same national id, and record a match hint for both owners (fusion.sharing.match_hints).

A hint must tell *that* a match exists and with which agency, never anything that can be
inverted into the other record's place, time or attributes. So the rule that decides a match
depends on coarse cells only: two incidents of different agencies are one event when their
category groups agree, their places fall in the same or neighbouring place cells
(1/MATCH_CELLS_PER_DEGREE of a degree a side, ~2.2 km by ~1.9 km at 30°N) and their times in
the same or neighbouring TIME_BUCKET. Whatever probes an agency posts, the answers are a
function of the other record's cell, time bucket and category group: no number of probes
narrows its place below one cell (whose half-diagonal is ~1.5 km) or its time below six
hours. Pairs up to one cell width (~1.9 km) and six hours apart always match; pairs up to two
cells and twelve hours apart may.

TLP:RED and TLP:AMBER+STRICT incidents never match (fusion.sharing.tlp.MATCHABLE_TLPS). Witnesses
never produce person matches, and neither do incidents in protected contexts, nor persons from
facial recognition that no second user has confirmed (incidents.recognition: they are their
owner's alone; confirming one looks for its matches then).
This runs as the system, not as a user: it reads across agencies to produce hints only.
Set-based: a batch of incidents costs a few queries, not one per incident.

Not every pair is stored: an incident needs one hint per other agency holding its event, and in
a dense place (one cell and bucket) the pairs grow with the square of the incidents. A pair is
stored only where it gives one of its incidents its first event hint about the other agency
(`_select`), so hints grow with incidents, and the choice among pairs depends on cells,
buckets and ids only. Only live hints count (the other incident still exists and is
matchable); when an incident leaves matching, its partners match again (`partners_of`).
"""

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q

from fusion.choices import MatchKind
from fusion.models import Match
from fusion.sharing.match_hints import EVENT_BAND, PERSON_BAND, hints_record
from fusion.sharing.tlp import MATCHABLE_TLPS
from incidents.choices import PersonRole
from incidents.models import Category, Incident, Person
from incidents.recognition import AWAITING
from incidents.rules import PROTECTED_CONTEXTS

MATCH_CELLS_PER_DEGREE = 50
TIME_BUCKET = timedelta(hours=6)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Neighbouring cells and buckets lie less than two apart: the candidate box and window.
_REACH_DEGREES = 2 / MATCH_CELLS_PER_DEGREE
_REACH_TIME = 2 * TIME_BUCKET
CHUNK = 500


def place_cell(latitude: float, longitude: float) -> tuple[int, int]:
    """The matching cell of a place (the same floor SQL takes of the same products)."""
    return (
        math.floor(latitude * MATCH_CELLS_PER_DEGREE),
        math.floor(longitude * MATCH_CELLS_PER_DEGREE),
    )


def time_bucket(moment: datetime) -> int:
    """The matching bucket of a time: six-hour slices counted from the Unix epoch."""
    return (moment - _EPOCH) // TIME_BUCKET


def _protected(contexts: Sequence[str] | None) -> bool:
    return bool(PROTECTED_CONTEXTS.intersection(contexts or ()))


def same_event(a: Incident, b: Incident, groups: dict[str, str]) -> bool:
    """Whether two incidents are one event by the coarse rule (see the module docstring)."""
    if a.agency_id == b.agency_id or groups.get(a.category_id) != groups.get(b.category_id):
        return False
    if a.tlp not in MATCHABLE_TLPS or b.tlp not in MATCHABLE_TLPS:
        return False
    (ai, aj), (bi, bj) = place_cell(a.latitude, a.longitude), place_cell(b.latitude, b.longitude)
    near = abs(ai - bi) <= 1 and abs(aj - bj) <= 1
    return near and abs(time_bucket(a.occurred_at) - time_bucket(b.occurred_at)) <= 1


def _box(incident: Incident) -> Q:
    return Q(
        occurred_at__range=(incident.occurred_at - _REACH_TIME, incident.occurred_at + _REACH_TIME),
        latitude__range=(incident.latitude - _REACH_DEGREES, incident.latitude + _REACH_DEGREES),
        longitude__range=(incident.longitude - _REACH_DEGREES, incident.longitude + _REACH_DEGREES),
        tlp__in=MATCHABLE_TLPS,
    )


# Incidents are indexed by the 1/PLACE_CELLS_PER_DEGREE-degree cell of their latitude and of
# their longitude, then time (incidents migration 0008, whose expressions this must repeat).
# A new incident probes each index cell its candidate box touches for its time window: a
# handful of index ranges, where the time index alone would return every incident of the
# province in the window. `OFFSET 0` keeps each probe a scan of its own, whatever the planner
# guesses of the number of cells. The new incidents are read back from the table by id, so
# what is matched is what was stored. Longitudes do not wrap at ±180° (nor in Python).
# Of the pairs found, only those `_select` may keep leave the database: the pairs whose other
# incident has no hint yet about the new one's agency, and per new incident and other agency
# the first by `_select`'s preference, unless the new incident has such a hint already. Each
# incident's hints are read by its id alone (`OFFSET 0` keeps the probe per row, stopping at
# the first hint about the agency, rather than a hash of every match): through the pair index
# (kind, incident_a) for a first incident, the incident_b index for a second, where `kind` is
# written so that it cannot serve as an index condition (the planner would walk the pair index
# past every event match) and the agency is compared outside (not through an agency index).
# Only live hints count: the hint's other incident is read by its primary key and must still
# exist and be matchable (a deleted side is NULL, so the join drops it).
PLACE_CELLS_PER_DEGREE = 20
_CANDIDATES_SQL = """
WITH pairs AS (
    SELECT b.id AS b_id, b.agency_id AS b_agency, b.category AS b_category,
           b.latitude AS b_latitude, b.longitude AS b_longitude,
           b.occurred_at AS b_occurred_at, b.tlp AS b_tlp,
           o.id AS o_id, o.agency_id AS o_agency, o.category AS o_category,
           o.latitude AS o_latitude, o.longitude AS o_longitude,
           o.occurred_at AS o_occurred_at, o.tlp AS o_tlp,
           abs(floor(o.latitude * {rule}) - floor(b.latitude * {rule}))
           + abs(floor(o.longitude * {rule}) - floor(b.longitude * {rule}))
           + abs(floor(extract(epoch FROM o.occurred_at) / {bucket})
                 - floor(extract(epoch FROM b.occurred_at) / {bucket})) AS closeness,
           b.agency_id IN (SELECT m.agency_b_id FROM fusion_match m
                           JOIN incidents_incident x ON x.id = m.incident_b_id
                           WHERE m.kind = 'event' AND m.incident_a_id = o.id
                             AND x.tlp IN ({live}) OFFSET 0)
           OR b.agency_id IN (SELECT m.agency_a_id FROM fusion_match m
                              JOIN incidents_incident x ON x.id = m.incident_a_id
                              WHERE m.incident_b_id = o.id AND {event}
                                AND x.tlp IN ({live}) OFFSET 0)
           AS other_hinted,
           o.agency_id = ANY(h.agencies) AS new_hinted
    FROM ({new}) AS n
    JOIN incidents_incident b ON b.id = n.id
    CROSS JOIN LATERAL (
        SELECT array_agg(c.slug) AS slugs
        FROM incidents_category c JOIN incidents_category own ON own."group" = c."group"
        WHERE own.slug = b.category
    ) AS g
    CROSS JOIN LATERAL (
        SELECT array(
            SELECT m.agency_b_id FROM fusion_match m
            JOIN incidents_incident x ON x.id = m.incident_b_id
            WHERE m.kind = 'event' AND m.incident_a_id = b.id AND x.tlp IN ({live})
            UNION SELECT m.agency_a_id FROM fusion_match m
            JOIN incidents_incident x ON x.id = m.incident_a_id
            WHERE m.incident_b_id = b.id AND {event} AND x.tlp IN ({live})
        ) AS agencies
        OFFSET 0
    ) AS h
    CROSS JOIN LATERAL generate_series(floor((b.latitude - {reach}) * {cells})::int,
                                       floor((b.latitude + {reach}) * {cells})::int) AS ci(cell)
    CROSS JOIN LATERAL generate_series(floor((b.longitude - {reach}) * {cells})::int,
                                       floor((b.longitude + {reach}) * {cells})::int) AS cj(cell)
    CROSS JOIN LATERAL (
        SELECT o.id, o.agency_id, o.category, o.latitude, o.longitude, o.occurred_at, o.tlp
        FROM incidents_incident o
        WHERE floor(o.latitude * {cells}) = ci.cell AND floor(o.longitude * {cells}) = cj.cell
          AND o.occurred_at BETWEEN b.occurred_at - %s AND b.occurred_at + %s
          AND o.latitude BETWEEN b.latitude - {reach} AND b.latitude + {reach}
          AND o.longitude BETWEEN b.longitude - {reach} AND b.longitude + {reach}
          AND o.agency_id <> b.agency_id AND o.category = ANY(g.slugs)
        OFFSET 0
    ) AS o
    WHERE b.tlp = ANY(%s) AND o.tlp = ANY(%s)
      AND abs(floor(o.latitude * {rule}) - floor(b.latitude * {rule})) <= 1
      AND abs(floor(o.longitude * {rule}) - floor(b.longitude * {rule})) <= 1
      AND abs(floor(extract(epoch FROM o.occurred_at) / {bucket})
              - floor(extract(epoch FROM b.occurred_at) / {bucket})) <= 1
)
SELECT {columns} FROM pairs WHERE NOT other_hinted
UNION
(SELECT DISTINCT ON (b_id, o_agency) {columns} FROM pairs WHERE NOT new_hinted
 ORDER BY b_id, o_agency, other_hinted, closeness, o_id)
"""
_COLUMNS = (
    "b_id, b_agency, b_category, b_latitude, b_longitude, b_occurred_at, b_tlp, "
    "o_id, o_agency, o_category, o_latitude, o_longitude, o_occurred_at, o_tlp, "
    "other_hinted, new_hinted"
)
_GIVEN = "SELECT * FROM unnest(%s::uuid[]) AS i(id)"
_FIELDS = ("id", "agency_id", "category_id", "latitude", "longitude", "occurred_at", "tlp")
_LOADED = ("id", "agency", "category", "latitude", "longitude", "occurred_at", "tlp")


def _candidates_sql(new: str) -> str:
    """The candidate query for the new incidents whose ids SQL `new` selects (as `id`)."""
    return _CANDIDATES_SQL.format(
        new=new,
        cells=PLACE_CELLS_PER_DEGREE,
        reach=f"{_REACH_DEGREES!r}::float8",
        rule=MATCH_CELLS_PER_DEGREE,
        bucket=int(TIME_BUCKET.total_seconds()),
        columns=_COLUMNS,
        event="m.kind || '' = 'event'",
        live=", ".join(f"'{label}'" for label in sorted(MATCHABLE_TLPS)),
    )


def _candidate_rows(new: str, params: Sequence[object], *, explain: bool = False) -> list:
    """Run the candidate query (or, with `explain`, its EXPLAIN) as matching runs it."""
    sql = ("EXPLAIN " if explain else "") + _candidates_sql(new)
    labels = sorted(MATCHABLE_TLPS)
    # PostgreSQL guesses 1,000 cells per generate_series (there are one or two), so it
    # costs the query high enough to compile it (JIT), which takes longer than running it;
    # JIT is off for this statement only.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = cursor.fetchone()[0]
        cursor.execute(sql, [*params, _REACH_TIME, _REACH_TIME, labels, labels])
        rows = cursor.fetchall()
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return rows


class Candidate(NamedTuple):
    """A new incident and another agency's incident of the same event, and whether each
    already has an event hint with the other's agency."""

    new: Incident
    other: Incident
    other_hinted: bool
    new_hinted: bool


def _event_candidates(new: str, params: Sequence[object]) -> list[Match]:
    """PostgreSQL, one query: each new incident probes the place and time index for the
    cells its candidate box touches, keeping neighbouring cells and buckets of its category
    group, and returns the pairs `_select` may store (not every pair: see `_select`);
    `same_event` checks them (the property test holds the query to the rule)."""
    groups = dict(Category.objects.values_list("slug", "group"))
    found = []
    for row in _candidate_rows(new, params):
        incident = Incident(**dict(zip(_FIELDS, row[:7], strict=True)))
        other = Incident(**dict(zip(_FIELDS, row[7:14], strict=True)))
        if same_event(incident, other, groups):
            found.append(Candidate(incident, other, other_hinted=row[14], new_hinted=row[15]))
    return _select(found, MatchKind.EVENT)


def _event_matches_postgresql(incidents: list[Incident]) -> list[Match]:
    return _event_candidates(_GIVEN, [[i.pk for i in incidents]])


def event_matches_selected(new: str, params: Sequence[object] = ()) -> int:
    """PostgreSQL: record the event matches of new incidents, already stored, whose ids SQL
    `new` selects as column `id` (a bulk batch as staged); returns how many pairs were found."""
    return hints_record(_event_candidates(new, params))


def person_matches_of(incidents: list[Incident]) -> int:
    """Record the person matches of these incidents (their persons already stored)."""
    return hints_record(_person_matches(incidents))


def _event_matches(incidents: list[Incident]) -> list[Match]:
    if connection.vendor == "postgresql":
        return _event_matches_postgresql(incidents)
    return _event_matches_python(incidents)


def _event_matches_python(incidents: list[Incident]) -> list[Match]:
    """Elsewhere (SQLite): candidates in the boxes of a chunk of incidents, then `_select`."""
    groups = dict(Category.objects.values_list("slug", "group"))
    pairs = []
    ids = {i.pk for i in incidents}
    for start in range(0, len(incidents), CHUNK):
        chunk = sorted(incidents[start : start + CHUNK], key=lambda i: i.occurred_at)
        times = [i.occurred_at for i in chunk]
        owners = {i.agency_id for i in chunk}
        candidates = Incident.objects.filter(reduce(or_, (_box(i) for i in chunk))).only(*_LOADED)
        if len(owners) == 1:
            candidates = candidates.exclude(agency_id__in=owners)
        for other in candidates:
            if other.pk in ids and len(owners) == 1:
                continue
            lo = bisect.bisect_left(times, other.occurred_at - _REACH_TIME)
            hi = bisect.bisect_right(times, other.occurred_at + _REACH_TIME)
            pairs += [(i, other) for i in chunk[lo:hi] if same_event(i, other, groups)]
    return _select(_flagged(pairs, MatchKind.EVENT), MatchKind.EVENT)


def _flagged(pairs: list[tuple[Incident, Incident]], kind: str) -> list[Candidate]:
    """The pairs with whether each side already has a hint of this kind about the other's
    agency."""
    hinted = _hinted({i.pk for pair in pairs for i in pair}, kind)
    return [
        Candidate(
            new,
            other,
            other_hinted=(other.pk, new.agency_id) in hinted,
            new_hinted=(new.pk, other.agency_id) in hinted,
        )
        for new, other in pairs
    ]


def _hinted(incident_ids: set, kind: str = MatchKind.EVENT) -> set[tuple]:
    """(incident, other agency) of the live hints of this kind these incidents already have:
    those whose other incident still exists and is matchable (a hint with a deleted or
    TLP:RED/AMBER+STRICT incident is no use to anyone, see `hints_for`)."""
    live = Q(tlp__in=MATCHABLE_TLPS)
    firsts = Match.objects.filter(
        incident_a_id__in=incident_ids, kind=kind, incident_b__in=Incident.objects.filter(live)
    ).values_list("incident_a_id", "agency_b_id")
    seconds = Match.objects.filter(
        incident_b_id__in=incident_ids, kind=kind, incident_a__in=Incident.objects.filter(live)
    ).values_list("incident_b_id", "agency_a_id")
    return {*firsts, *seconds}


def partners_of(incident_ids: Iterable) -> list[Incident]:
    """The matchable incidents that hold a hint with one of these incidents."""
    ids = list(incident_ids)
    rows = Match.objects.filter(Q(incident_a_id__in=ids) | Q(incident_b_id__in=ids))
    partners = {i for pair in rows.values_list("incident_a_id", "incident_b_id") for i in pair}
    partners -= {*ids, None}
    return list(Incident.objects.filter(pk__in=partners, tlp__in=MATCHABLE_TLPS))


def partners_rematch(partners: list[Incident]) -> int:
    """Look again for matches of incidents that lost a hint (its other side deleted, or no
    longer matchable), so each gets one with another matching record of that agency if there
    is one; pairs already stored are kept as they are."""
    return matches_find(partners) if partners else 0


def _closeness(a: Incident, b: Incident) -> int:
    """How many cell and bucket steps lie between two incidents (0 to 3 for a match)."""
    (ai, aj), (bi, bj) = place_cell(a.latitude, a.longitude), place_cell(b.latitude, b.longitude)
    buckets = abs(time_bucket(a.occurred_at) - time_bucket(b.occurred_at))
    return abs(ai - bi) + abs(aj - bj) + buckets


def _select(found: list[Candidate], kind: str) -> list[Match]:
    """The pairs to store: each one gives an incident its first hint of this kind about the
    other agency. An agency's incident with no hint yet about the writer's agency gets one,
    with the new incident closest to it; a new incident with no hint yet about another agency
    gets one, with that agency's incident it may share a pair with best: first one still
    without a hint about the writer's agency, then the closest in cells and buckets (events),
    then the lowest id. Neither choice depends on anything finer than cells and buckets. So an
    incident is given one hint per other agency that holds its event (or names its national
    id), and a dense place stores hints in proportion to its incidents, not to their pairs."""

    def closeness(c: Candidate) -> int:
        return _closeness(c.new, c.other) if kind == MatchKind.EVENT else 0

    chosen: dict[tuple, Candidate] = {}
    for c in sorted(found, key=lambda c: (closeness(c), str(c.new.pk))):
        if not c.other_hinted:
            chosen.setdefault((c.other.pk, c.new.agency_id), c)
    pairs = {(c.new.pk, c.other.pk): c for c in chosen.values()}
    hinted = {(c.new.pk, c.other.agency_id) for c in pairs.values()}
    for c in sorted(found, key=lambda c: (c.other_hinted, closeness(c), str(c.other.pk))):
        if not c.new_hinted and (c.new.pk, c.other.agency_id) not in hinted:
            hinted.add((c.new.pk, c.other.agency_id))
            pairs[(c.new.pk, c.other.pk)] = c
    return [_pair(kind, c.new, c.other) for c in pairs.values()]


def _person_matches(incidents: list[Incident]) -> list[Match]:
    by_id = {i.pk: i for i in incidents if not _protected(i.contexts) and i.tlp in MATCHABLE_TLPS}
    named = (
        Person.objects.filter(incident_id__in=list(by_id), national_id_index__isnull=False)
        .exclude(role=PersonRole.WITNESS)
        .exclude(AWAITING)
        .values_list("incident_id", "national_id_index")
    )
    wanted = defaultdict(set)
    for incident_id, index in named:
        wanted[index].add(incident_id)
    if not wanted:
        return []
    others = (
        Person.objects.filter(national_id_index__in=list(wanted), incident__tlp__in=MATCHABLE_TLPS)
        .exclude(role=PersonRole.WITNESS)
        .exclude(AWAITING)
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
                found.append((incident, other))
    return _select(_flagged(found, MatchKind.PERSON), MatchKind.PERSON)


def _pair(kind: str, new: Incident, other: Incident) -> Match:
    """The hint for a pair, found by the agency that wrote `new`."""
    first, second = sorted((new, other), key=lambda i: str(i.pk))
    return Match(
        kind=kind,
        incident_a_id=first.pk,
        incident_b_id=second.pk,
        agency_a_id=first.agency_id,
        agency_b_id=second.agency_id,
        found_by_id=new.agency_id,
        score=PERSON_BAND if kind == MatchKind.PERSON else EVENT_BAND,
    )


def matches_find(incidents: Iterable[Incident]) -> int:
    """Record event and person matches of these (new or changed) incidents; returns how many
    candidate pairs were found (existing pairs are kept as they are)."""
    incidents = list(incidents)
    return hints_record([*_event_matches(incidents), *_person_matches(incidents)])
