"""Deconfliction: find other agencies' incidents that look like the same event, or that name
the same national id, and record a match hint for both owners (never the other's content).

Witnesses never produce person matches, and neither do incidents in protected contexts.
This runs as the system, not as a user: it reads across agencies to produce hints only.
"""

import math
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q

from fusion.choices import MatchKind
from fusion.models import Match
from incidents.choices import PersonRole
from incidents.models import Category, Incident, Person
from incidents.rules import PROTECTED_CONTEXTS

EVENT_RADIUS_KM = 2.0
EVENT_WINDOW = timedelta(hours=6)
KM_PER_DEGREE = 111.32


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _protected(incident: Incident) -> bool:
    return bool(PROTECTED_CONTEXTS.intersection(incident.contexts or ()))


def _event_candidates(incident: Incident) -> Iterable[Incident]:
    dlat = EVENT_RADIUS_KM / KM_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(incident.latitude)), 0.01)
    return Incident.objects.exclude(agency_id=incident.agency_id).filter(
        occurred_at__gte=incident.occurred_at - EVENT_WINDOW,
        occurred_at__lte=incident.occurred_at + EVENT_WINDOW,
        latitude__range=(incident.latitude - dlat, incident.latitude + dlat),
        longitude__range=(incident.longitude - dlon, incident.longitude + dlon),
    )


def event_score(a: Incident, b: Incident, groups: dict[str, str]) -> float | None:
    """0..1 for one event reported twice; None when place, time or category disagree."""
    if groups.get(a.category_id) != groups.get(b.category_id):
        return None
    km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
    hours = abs((a.occurred_at - b.occurred_at).total_seconds()) / 3600
    window = EVENT_WINDOW.total_seconds() / 3600
    if km > EVENT_RADIUS_KM or hours > window:
        return None
    same_category = 1.0 if a.category_id == b.category_id else 0.5
    return round(
        0.4 * (1 - km / EVENT_RADIUS_KM) + 0.3 * (1 - hours / window) + 0.3 * same_category, 3
    )


def _person_candidates(incident: Incident) -> Iterable[Incident]:
    if _protected(incident):
        return []
    indexes = set(
        Person.objects.filter(incident=incident, national_id_index__isnull=False)
        .exclude(role=PersonRole.WITNESS)
        .values_list("national_id_index", flat=True)
    )
    if not indexes:
        return []
    named = (
        Person.objects.filter(national_id_index__in=indexes)
        .exclude(role=PersonRole.WITNESS)
        .exclude(incident__agency_id=incident.agency_id)
        .values("incident_id")
    )
    return [o for o in Incident.objects.filter(pk__in=named) if not _protected(o)]


def _record(kind: str, a: Incident, b: Incident, score: float) -> None:
    first, second = sorted((a, b), key=lambda i: str(i.pk))
    Match.objects.get_or_create(
        kind=kind,
        incident_a=first,
        incident_b=second,
        defaults={"agency_a_id": first.agency_id, "agency_b_id": second.agency_id, "score": score},
    )


def matches_find(incidents: Iterable[Incident]) -> None:
    """Record event and person matches of these (new or changed) incidents."""
    groups = dict(Category.objects.values_list("slug", "group"))
    for incident in incidents:
        for other in _event_candidates(incident):
            score = event_score(incident, other, groups)
            if score is not None:
                _record(MatchKind.EVENT, incident, other, score)
        for other in _person_candidates(incident):
            _record(MatchKind.PERSON, incident, other, 1.0)


def matches_for_agencies(agency_ids: list[int]) -> Q:
    """Matches where one side belongs to one of these agencies."""
    return Q(agency_a_id__in=agency_ids) | Q(agency_b_id__in=agency_ids)
