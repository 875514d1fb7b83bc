"""One incident's shares, for its owning agency's admins: who it is shared with, at which level,
why and until when; share it with an agency or a named user; revoke a share. The API's shares
route answers 404 for an incident the user may not see and 403 for one they may not share."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.api_client import Answer
from fusion.console.inbox_forms import expiry, key_headers, new_key
from fusion.console.times import with_times


def _refuse(answer: Answer) -> None:
    if answer.status == 403:
        raise PermissionDenied(answer.detail)
    if not answer.ok:
        raise Http404


def _body(post: Any) -> dict[str, Any]:
    return {
        "agency": post.get("agency") or None,
        "user": post.get("user", "").strip() or None,
        "level": post.get("level", "view"),
        "purpose": post.get("purpose", ""),
        "purpose_code": post.get("purpose_code", ""),
        "expires_at": expiry(post.get("expires_on", "")),
    }


@signed_in
def incident_shares(request: HttpRequest, incident: UUID) -> HttpResponse:
    """The incident's shares and the form that adds one."""
    path = f"incidents/{incident}/shares/"
    listed = api_client.get(request, path, {"page_size": 500})
    _refuse(listed)
    answer = None
    if request.method == "POST":
        answer = api_client.post(request, path, _body(request.POST), headers=key_headers(request))
        if answer.ok:
            messages.success(request, _("Incident shared."))
            return redirect("console:incident-shares", incident)
    record = api_client.get(request, f"incidents/{incident}/").or_404()
    agencies = api_client.get(request, "agencies/", {"page_size": 500})
    purposes = api_client.get(request, "purposes/")
    context = {
        "incident": record,
        "tlp": record.get("tlp"),
        "shares": with_times(listed.data.get("results", []), "created_at", "expires_at"),
        "agencies": [
            a
            for a in (agencies.data.get("results", []) if agencies.ok else [])
            if a["code"] != record.get("agency") and a["kind"] != "oversight"
        ],
        "purpose_codes": purposes.data if purposes.ok else [],
        "levels": [("view", _("View (no persons)")), ("view_persons", _("View with persons"))],
        "answer": answer,
        "values": request.POST if answer is not None else {},
        "form_key": new_key(),
    }
    status = answer.status if answer is not None else 200
    return render(request, "console/sharing/incident_shares.html", context, status=status)


@signed_in
def revoke_share(request: HttpRequest, incident: UUID, share: int) -> HttpResponse:
    """Revoke one share of the incident (effective at once)."""
    if request.method == "POST":
        answer = api_client.post(request, f"incidents/{incident}/shares/{share}/", method="DELETE")
        if answer.status in (403, 404):
            _refuse(answer)
        if answer.ok:
            messages.success(request, _("Share revoked."))
        else:
            messages.error(request, answer.detail or _("The share was not revoked."))
    return redirect("console:incident-shares", incident)
