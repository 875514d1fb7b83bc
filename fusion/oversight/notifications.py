"""Notifications for an agency's admins, read from what is already recorded: refused reads of
its incidents, searches that returned its persons, person matches that confirmed to another
agency that it holds a record, its own match hint budget running out, and its members' logins
locked after repeated failures (audit entries about the agency's objects), access requests for
its incidents, and deconfliction matches.

A notification may also be addressed to one user: the requester of an access request is told
when it was approved or denied (`decisions_for`), and no one else is. It shows the incident
only while the requester may see it (fusion.sharing.visibility decides), so it never tells more
than the share gave.

Oversight members and platform admins are told what the misuse monitor found
(fusion.oversight.read_monitor): a user who read persons or exported far above their agency's
norm, with the counts, the norm and the bound crossed; never the persons or incidents read.
And what the bias drift check found (fusion.oversight.bias_drift): a district flagged out of
proportion, or flags repeated, in result after result of one agency's method. And what the
metric drift check found (fusion.oversight.metric_drift): an agency's flags of one method
wrong more often than the method promised, with the realised and promised rates, the bound,
the number of trials and the test's p-value.

Nothing is stored twice: the feed is the newest of each source since a time, merged. It says
which agency did what, never another agency's content or any person's identifiers.
"""

from datetime import datetime
from typing import Any

from agencies.models import Agency, User
from fusion.audit.events import LOCKED_OUT, REFUSED_READ, SEARCH_HIT
from fusion.choices import RequestStatus
from fusion.models import AccessRequest, AuditEntry, MonitorFinding
from fusion.sharing.match_hints import BUDGET_SPENT, HINT_WITHHELD, PERSON_HINT, hints_for, sides
from fusion.sharing.visibility import reader_agency_ids, visible_incidents

# Per source, the newest this many (a feed, not an archive: the audit log holds the rest).
PER_SOURCE = 200


def notifications_for(
    agency_ids: list[int], since: datetime, user: User | None = None, *, oversees: bool = False
) -> list[dict[str, Any]]:
    """The notifications of these agencies (their admins') and those addressed to `user`,
    since `since`, newest first; with `oversees`, the misuse monitor's findings too."""
    codes = dict(Agency.objects.values_list("pk", "code"))
    items = [
        *_audited(agency_ids, since, codes),
        *_access_requests(agency_ids, since, codes),
        *_matches(agency_ids, since, codes),
        *(decisions_for(user, since, codes) if user is not None else []),
        *(findings_since(since, codes) if oversees else []),
    ]
    return sorted(items, key=lambda item: (item["at"], item["id"]), reverse=True)


def decisions_for(user: User, since: datetime, codes: dict[int, str]) -> list[dict[str, Any]]:
    """The user's own access requests decided since `since`, for agencies the user still reads
    for: approved (with the share's level and expiry while the user sees the incident) or
    denied (with the owner's reason)."""
    rows = (
        AccessRequest.objects.filter(
            requester=user,
            requester_agency_id__in=reader_agency_ids(user),
            status__in=[RequestStatus.APPROVED, RequestStatus.DENIED],
            decided_at__gte=since,
        )
        .select_related("incident", "share")
        .order_by("-decided_at", "-id")[:PER_SOURCE]
    )
    rows = list(rows)
    shown = set(
        visible_incidents(user)
        .filter(pk__in=[r.incident_id for r in rows])
        .values_list("pk", flat=True)
    )
    return [_decision(r, codes, r.incident_id in shown) for r in rows]


def _decision(request: AccessRequest, codes: dict[int, str], shown: bool) -> dict[str, Any]:
    item = {
        "id": f"access-decision-{request.pk}",
        "kind": f"access_request_{request.status}",
        "at": request.decided_at,
        "agency": codes.get(request.requester_agency_id),
        "by_agency": codes.get(request.incident.agency_id),
        "access_request": request.pk,
        "status": request.status,
        "incident": str(request.incident_id) if shown else None,
    }
    if request.status == RequestStatus.DENIED:
        return {**item, "reason": request.reason}
    share = request.share if shown else None
    return {
        **item,
        "level": share.level if share else None,
        "expires_at": share.expires_at if share else None,
    }


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


def findings_since(since: datetime, codes: dict[int, str]) -> list[dict[str, Any]]:
    """What the misuse monitor found since `since` (for oversight): who, for which agency,
    which measure in which window, the count against the norm and the bound it crossed."""
    rows = (
        MonitorFinding.objects.filter(created_at__gte=since)
        .select_related("user")
        .order_by("-created_at", "-id")[:PER_SOURCE]
    )
    return [_finding(f, codes) for f in rows]


def _finding(f: MonitorFinding, codes: dict[int, str]) -> dict[str, Any]:
    item = {
        "id": f"finding-{f.pk}", "kind": f.kind, "at": f.created_at,
        "agency": codes.get(f.agency_id), "by_agency": codes.get(f.agency_id),
        "measure": f.measure, "count": f.count, "norm": f.norm, "threshold": f.threshold,
        "window_start": f.window_start, "window_end": f.window_end,
    }  # fmt: skip
    if f.kind == MonitorFinding.Kind.BIAS_DRIFT:
        item.update(method=f.details.get("method"), district=f.details.get("district"))
    if f.kind == MonitorFinding.Kind.METRIC_DRIFT:
        item.update(
            method=f.details.get("method"), n=f.details.get("n"), p_value=f.details.get("p_value")
        )
    return {**item, "username": f.user.username} if f.user else item
