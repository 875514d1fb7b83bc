"""The audit log page (GET audit/ with its filters, a page at a time) and the verification of
the hash chain (GET audit/verify/). Who sees which entries is the API's: oversight and
platform admins all of them, an agency admin those about its own agency's objects, anyone
else the API's refusal. Both reads are logged by the API."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.oversight_answers import filters, refusal
from fusion.console.paging import page_links
from fusion.console.times import api_time

FILTERS = ("actor", "action", "object_type", "object_id", "since", "until")
TIMES = ("since", "until")
ACTIONS = {
    "create": _("Created"),
    "update": _("Changed"),
    "delete": _("Deleted"),
    "access": _("Accessed"),
}
OUTCOMES = {"success": _("Succeeded"), "failure": _("Failed")}


def _entry(raw: dict[str, Any]) -> dict[str, Any]:
    """An entry as the page shows it: its time readable, its action in words."""
    action = raw.get("action", "")
    outcome = raw.get("outcome") or ""
    changes = raw.get("changes") or {}
    return {
        **raw,
        "when": api_time(raw.get("timestamp")),
        "action_words": ACTIONS.get(action, action),
        "outcome_words": OUTCOMES.get(outcome, outcome),
        "change_rows": sorted(changes.items()) if isinstance(changes, dict) else [],
    }


@signed_in
def audit_log(request: HttpRequest) -> HttpResponse:
    """The entries the user may read, newest first, narrowed by the form's filters."""
    params = filters(request.GET, FILTERS, TIMES)
    if request.GET.get("page"):
        params["page"] = request.GET["page"]
    answer = api_client.get(request, "audit/", params)
    context = {
        "title": _("Audit log"),
        "values": {name: request.GET.get(name, "") for name in FILTERS},
        "actions": ACTIONS,
        "answer": answer,
    }
    if answer.status == 400:
        return render(request, "console/oversight/audit.html", context, status=400)
    if not answer.ok:
        return refusal(request, answer)
    context.update(
        entries=[_entry(raw) for raw in answer.data.get("results", [])],
        count=answer.data.get("count"),
        **page_links(request, answer.data),
    )
    return render(request, "console/oversight/audit.html", context)


@signed_in
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Recompute the chain and say plainly whether it is intact, and where it breaks."""
    answer = api_client.get(request, "audit/verify/")
    if not answer.ok:
        return refusal(request, answer)
    return render(
        request,
        "console/oversight/audit_verify.html",
        {"title": _("Verify the audit trail"), "result": answer.data},
    )
