"""Notifications for an agency's admins, read from what is already recorded: refused reads of
its incidents, searches that returned its persons, person matches that confirmed to another
agency that it holds a record, its own match hint budget running out, and its members' logins
locked after repeated failures (audit entries about the agency's objects), access requests for
its incidents, and deconfliction matches.

Nothing is stored twice: the feed is the newest of each source since a time, merged. It says
which agency did what, never another agency's content or any person's identifiers.
"""

from datetime import datetime
from typing import Any

from agencies.models import Agency
from fusion.audit.events import LOCKED_OUT, REFUSED_READ, SEARCH_HIT
from fusion.models import AccessRequest, AuditEntry
from fusion.sharing.match_hints import BUDGET_SPENT, HINT_WITHHELD, PERSON_HINT, hints_for, sides

# Per source, the newest this many (a feed, not an archive: the audit log holds the rest).
PER_SOURCE = 200


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
        object_agency_id__in=agency_ids,
        event__in=[REFUSED_READ, SEARCH_HIT, PERSON_HINT, BUDGET_SPENT, HINT_WITHHELD, LOCKED_OUT],
        timestamp__gte=since,
    ).order_by("-timestamp", "-id")[:PER_SOURCE]
    items = []
    for entry in entries:
        common = {
            "id": f"audit-{entry.pk}",
            "at": entry.timestamp,
            "agency": codes.get(entry.object_agency_id),
            "by_agency": codes.get(entry.acting_agency_id),
        }
        about = _about(entry)
        if "from_agency_id" in about:  # the agency concerned is not the one that wrote
            common["by_agency"] = codes.get(about.pop("from_agency_id"))
        items.append({**common, **about})
    return items


def _about(entry: AuditEntry) -> dict[str, Any]:
    data = entry.additional_data or {}
    if entry.event == REFUSED_READ:
        return {"kind": "refused_read", "incident": entry.object_pk}
    if entry.event == PERSON_HINT:
        return {"kind": "person_match_confirmed", "incident": entry.object_pk}
    if entry.event == LOCKED_OUT:
        # Who and for how long; never what was typed.
        return {"kind": "account_locked", "username": entry.object_repr,
                "minutes": data.get("minutes")}  # fmt: skip
    if entry.event == BUDGET_SPENT:
        return {"kind": "match_budget_spent", "budget": data.get("budget")}
    if entry.event == HINT_WITHHELD:
        # another agency posted what matches this incident, beyond its budget of hints
        return {"kind": "match_hint_withheld", "incident": entry.object_pk,
                "from_agency_id": data.get("from_agency_id")}  # fmt: skip
    return {"kind": "person_search", "persons": data.get("hits", 0)}


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
    rows = hints_for(agency_ids).filter(created_at__gte=since).order_by("-created_at", "-id")
    items = []
    for m in rows[:PER_SOURCE]:
        for side in sides(m, agency_ids):
            items.append({
                "id": f"match-{m.pk}-{side.agency_id}", "kind": "match", "at": m.created_at,
                "agency": codes.get(side.agency_id), "by_agency": codes.get(side.other_agency_id),
                "incident": str(side.own_incident_id) if side.own_incident_id else None,
                "match": m.pk, "match_kind": m.kind, "score": m.score,
            })  # fmt: skip
    return items
