"""Notifications for an agency's admins, read from what is already recorded: refused reads of
its incidents and searches that returned its persons (audit entries about the agency's
objects), access requests for its incidents, and deconfliction matches involving it.

Nothing is stored twice: the feed is the newest of each source since a time, merged. It says
which agency did what, never another agency's content or any person's identifiers.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q

from agencies.models import Agency
from fusion.models import AccessRequest, AuditEntry, Match

# Per source, the newest this many (a feed, not an archive: the audit log holds the rest).
PER_SOURCE = 200
REFUSED_READ = "incident.access_refused"
SEARCH_HIT = "persons.search_hit"


def notifications_for(agency_ids: list[int], since: datetime) -> list[dict[str, Any]]:
    """The notifications of these agencies since `since`, newest first."""
    codes = dict(Agency.objects.values_list("pk", "code"))
    items = [
        *_audited(agency_ids, since, codes),
        *_access_requests(agency_ids, since, codes),
        *_matches(agency_ids, since, codes),
    ]
    return sorted(items, key=lambda item: (item["at"], item["id"]), reverse=True)


def _audited(agency_ids: list[int], since: datetime, codes: dict[int, str]) -> list[dict]:
    entries = AuditEntry.objects.filter(
        object_agency_id__in=agency_ids, event__in=[REFUSED_READ, SEARCH_HIT], timestamp__gte=since
    ).order_by("-timestamp", "-id")[:PER_SOURCE]
    items = []
    for entry in entries:
        common = {
            "id": f"audit-{entry.pk}",
            "at": entry.timestamp,
            "agency": codes.get(entry.object_agency_id),
            "by_agency": codes.get(entry.acting_agency_id),
        }
        if entry.event == REFUSED_READ:
            items.append({**common, "kind": "refused_read", "incident": entry.object_pk})
        else:
            hits = (entry.additional_data or {}).get("hits", 0)
            items.append({**common, "kind": "person_search", "persons": hits})
    return items


def _access_requests(agency_ids: list[int], since: datetime, codes: dict[int, str]) -> list:
    rows = (
        AccessRequest.objects.filter(incident__agency_id__in=agency_ids, created_at__gte=since)
        .select_related("incident")
        .order_by("-created_at", "-id")[:PER_SOURCE]
    )
    return [
        {
            "id": f"access-request-{r.pk}",
            "kind": "access_request",
            "at": r.created_at,
            "agency": codes.get(r.incident.agency_id),
            "by_agency": codes.get(r.requester_agency_id),
            "incident": str(r.incident_id),
            "access_request": r.pk,
            "status": r.status,
        }
        for r in rows
    ]


def _matches(agency_ids: list[int], since: datetime, codes: dict[int, str]) -> list[dict]:
    rows = Match.objects.filter(
        Q(agency_a_id__in=agency_ids) | Q(agency_b_id__in=agency_ids), created_at__gte=since
    ).order_by("-created_at", "-id")[:PER_SOURCE]
    items = []
    for m in rows:
        sides = [(m.agency_a_id, m.incident_a_id, m.agency_b_id)]
        sides.append((m.agency_b_id, m.incident_b_id, m.agency_a_id))
        for own, incident, other in sides:
            if own in agency_ids:
                items.append({
                    "id": f"match-{m.pk}-{own}", "kind": "match", "at": m.created_at,
                    "agency": codes.get(own), "by_agency": codes.get(other),
                    "incident": str(incident), "match": m.pk, "match_kind": m.kind,
                    "score": m.score,
                })  # fmt: skip
    return items
