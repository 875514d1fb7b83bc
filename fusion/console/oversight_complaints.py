"""Complaints as oversight handles them: the list (GET complaints/, by status) and one
complaint with the form that moves it on and answers its complainant (PATCH
complaints/{reference}/). The API decides who may (oversight, platform admins), which step is
allowed (409 otherwise) and logs every read."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fusion.choices import ComplaintAbout, ComplaintStatus
from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.oversight_answers import refusal
from fusion.console.paging import page_links
from fusion.console.times import api_time
from fusion.oversight.complaints import NEXT

STATUSES = dict(ComplaintStatus.choices)
ABOUT = dict(ComplaintAbout.choices)


def _complaint(raw: dict[str, Any]) -> dict[str, Any]:
    """A complaint as the page shows it: times readable, status and subject in words, and the
    steps it may take next (the API refuses any other)."""
    status = raw.get("status", "")
    following = NEXT.get(ComplaintStatus(status), set()) if status in STATUSES else set()
    return {
        **raw,
        "status_words": STATUSES.get(status, status),
        "about_words": ABOUT.get(raw.get("about", ""), raw.get("about", "")),
        "received": api_time(raw.get("received_at")),
        "due": api_time(raw.get("due_at")),
        "decided": api_time(raw.get("decided_at")),
        "next_steps": [(s.value, s.label) for s in ComplaintStatus if s in following],
    }


@signed_in
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Every complaint, newest first, or those in one status."""
    params = {k: request.GET[k] for k in ("status", "page") if request.GET.get(k)}
    answer = api_client.get(request, "complaints/", params)
    if not answer.ok:
        return refusal(request, answer)
    context = {
        "title": _("Complaints"),
        "complaints": [_complaint(raw) for raw in answer.data.get("results", [])],
        "count": answer.data.get("count"),
        "statuses": STATUSES,
        "wanted": request.GET.get("status", ""),
        **page_links(request, answer.data),
    }
    return render(request, "console/oversight/complaints.html", context)


@signed_in
def complaint_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One complaint; its form moves it on (with a resolution for a decision) and sets the
    response its complainant reads."""
    path = f"complaints/{reference}/"
    answer = None
    if request.method == "POST":
        answer = api_client.post(request, path, _changes(request.POST), method="PATCH")
        if answer.ok:
            messages.success(request, _("The complaint was updated."))
            return redirect("console:complaint", reference=reference)
        if answer.status in (403, 404):
            return refusal(request, answer)
    read = api_client.get(request, path)
    if not read.ok:
        return refusal(request, read)
    context = {
        "title": read.data.get("reference", ""),
        "complaint": _complaint(read.data),
        "answer": answer,
        "form": request.POST if answer else {},
    }
    return render(
        request,
        "console/oversight/complaint.html",
        context,
        status=answer.status if answer else 200,
    )


def _changes(form: Any) -> dict[str, str]:
    """The PATCH body: a step (with its resolution) when one is chosen, and the public
    response when it was changed from what the complainant reads now."""
    body = {}
    if form.get("status"):
        body["status"] = form["status"]
        if form.get("resolution", "").strip():
            body["resolution"] = form["resolution"]
    response = form.get("public_response", "").replace("\r\n", "\n")
    if response != form.get("public_response_was", "").replace("\r\n", "\n"):
        body["public_response"] = response
    return body
