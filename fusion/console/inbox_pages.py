"""The deconfliction inbox (matches of the user's agencies, access requests filed and to decide)
and the notifications page. What they list is what GET matches/, access-requests/ and
notifications/ answer: that a match exists and with which agency, never the other record."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import Agency
from agencies.selectors import roles_of
from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.api_client import Answer
from fusion.console.inbox_forms import (
    as_int,
    expiry,
    key_headers,
    new_key,
)
from fusion.console.inbox_notices import notification_rows
from fusion.console.paging import api_page, page_links
from fusion.console.times import with_times

MATCHES_PAGE = "matches_page"
REQUESTS_PAGE = "requests_page"


def _codes(request: HttpRequest) -> tuple[set[str], set[str]]:
    """The codes of the user's agencies, and of those the user administers (for grouping the
    requests and offering the decision forms; the API decides who may decide)."""
    held = roles_of(request.user)
    codes = dict(Agency.objects.filter(pk__in=held).values_list("pk", "code"))
    admin = {codes[pk] for pk, role in held.items() if role == Role.AGENCY_ADMIN}
    return set(codes.values()), admin


def _listed(answer: Answer) -> list[dict[str, Any]]:
    return answer.data.get("results", []) if answer.ok and isinstance(answer.data, dict) else []


def _pages(request: HttpRequest, param: str, answer: Answer) -> dict[str, str | None]:
    """The list's page links on the inbox (also when a refused form re-renders it elsewhere)."""
    data = answer.data if answer.ok else {}
    return page_links(request, data, param=param, path=reverse("console:inbox"))


def _inbox(
    request: HttpRequest, *, answer: Answer | None = None, status: int = 200, **extra: Any
) -> HttpResponse:
    matches = api_client.get(request, "matches/", api_page(request, MATCHES_PAGE))
    requests = api_client.get(request, "access-requests/", api_page(request, REQUESTS_PAGE))
    mine, admin_of = _codes(request)
    rows = with_times(_listed(requests), "created_at", "decided_at")
    purposes = api_client.get(request, "purposes/")
    filed = [r for r in rows if r["requester_agency"] in mine]
    asked = {r["match"]: r["status"] for r in reversed(filed) if r.get("match")}
    context = {
        "answer": answer,
        "matches": [
            {**m, "request_status": asked.get(m["id"])}
            for m in with_times(_listed(matches), "created_at")
        ],
        "matches_refused": None if matches.ok else matches,
        "matches_pages": _pages(request, MATCHES_PAGE, matches),
        "filed": filed,
        "to_decide": [r for r in rows if r["owner_agency"] in mine],
        "requests_refused": None if requests.ok else requests,
        "requests_pages": _pages(request, REQUESTS_PAGE, requests),
        "admin_of": admin_of,
        "purpose_codes": purposes.data if purposes.ok else [],
        "form_key": new_key(),
        "levels": [("view", _("View (no persons)")), ("view_persons", _("View with persons"))],
        **extra,
    }
    return render(request, "console/inbox/inbox.html", context, status=status)


@signed_in
def inbox(request: HttpRequest) -> HttpResponse:
    """Matches of the user's agencies and the access requests of and to them."""
    return _inbox(request)


@signed_in
def request_access(request: HttpRequest) -> HttpResponse:
    """File an access request for a match, with a stated purpose (POST access-requests/)."""
    if request.method != "POST":
        return redirect("console:inbox")
    body = {
        "match": as_int(request.POST.get("match", "")),
        "purpose": request.POST.get("purpose", ""),
        "purpose_code": request.POST.get("purpose_code", ""),
    }
    answer = api_client.post(request, "access-requests/", body, headers=key_headers(request))
    if not answer.ok:
        return _inbox(request, answer=answer, status=answer.status, failed_match=body)
    messages.success(request, _("Access request filed: the owner's admins will decide."))
    return redirect("console:inbox")


@signed_in
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve (level, expiry) or deny (reason) an access request to the user's agency."""
    if request.method != "POST":
        return redirect("console:inbox")
    if decision == "approve":
        body: dict[str, Any] = {"level": request.POST.get("level", "view")}
        until = expiry(request.POST.get("expires_on", ""))
        if until is not None:
            body["expires_at"] = until
    else:
        body = {"reason": request.POST.get("reason", "")}
    answer = api_client.post(
        request, f"access-requests/{pk}/{decision}/", body, headers=key_headers(request)
    )
    if not answer.ok:
        return _inbox(request, answer=answer, status=answer.status, failed_decision=pk)
    done = _("Request approved: the incident is shared.") if decision == "approve" else None
    messages.success(request, done or _("Request denied."))
    return redirect("console:inbox")


@signed_in
def notifications(request: HttpRequest) -> HttpResponse:
    """GET notifications/: what the API tells this user, one row each; a plain message for a
    role it has nothing for."""
    answer = api_client.get(request, "notifications/", api_page(request))
    refused = answer.status == 403
    context = {
        "refused": refused,
        "answer": answer,
        "rows": notification_rows(_listed(answer)),
        "pages": page_links(request, answer.data if answer.ok else {}),
    }
    # a role with nothing to be told reads a plain page; another refusal (a page number past
    # the last) keeps the API's status with its reason
    status = 200 if answer.ok or refused else answer.status
    return render(request, "console/inbox/notifications.html", context, status=status)


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/requests/", request_access, name="inbox-request"),
    path(
        "inbox/requests/<int:pk>/approve/",
        decide,
        {"decision": "approve"},
        name="inbox-approve",
    ),
    path("inbox/requests/<int:pk>/deny/", decide, {"decision": "deny"}, name="inbox-deny"),
    path("notifications/", notifications, name="notifications"),
]
