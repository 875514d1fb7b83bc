"""Assessment records as oversight reads them (GET oversight/assessments/, and one record),
and the model cards with the kill switch (POST models/{method}/status/: suspend, retire or
reactivate a method's current version, with a rationale). Counts per district, never an
incident's content: the API's records. Who may read and decide is the API's."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from analytics.choices import Kind, MethodStatus, Status
from fusion.console import api_client
from fusion.console.access import has_role, signed_in
from fusion.console.oversight_answers import filters, refusal
from fusion.console.paging import page_links
from fusion.console.times import api_time

FILTERS = ("kind", "status", "agency", "since", "until")
TIMES = ("since", "until")
TIMES_OF_RECORD = ("created_at", "started_at", "finished_at", "reviewed_at", "withdrawn_at")


STATUS_WORDS = dict(Status.choices)


def _record(raw: dict[str, Any]) -> dict[str, Any]:
    """A record as the page shows it: times readable, status in words."""
    times = {f"{name}_when": api_time(raw.get(name)) for name in TIMES_OF_RECORD}
    words = STATUS_WORDS.get(raw.get("status", ""), raw.get("status", ""))
    return {**raw, **times, "status_words": words}


def _cards(request: HttpRequest) -> list[dict[str, Any]]:
    """The model cards, each with its latest decision (the API gives cards to every user)."""
    answer = api_client.get(request, "models/")
    cards = answer.data.get("results", []) if answer.ok else []
    for card in cards:
        history = card.get("status_history") or []
        last = history[-1] if history else None
        card["last_decision"] = {**last, "when": api_time(last["at"])} if last else None
    return cards


def _records_page(
    request: HttpRequest, refused: api_client.Answer | None = None, method: str = ""
) -> HttpResponse:
    params = filters(request.GET, FILTERS, TIMES)
    if request.GET.get("page"):
        params["page"] = request.GET["page"]
    answer = api_client.get(request, "oversight/assessments/", params)
    if not answer.ok and answer.status != 400:
        return refusal(request, answer)
    context = {
        "title": _("Assessment records"),
        "answer": answer,
        "values": {name: request.GET.get(name, "") for name in FILTERS},
        "kinds": Kind.choices,
        "statuses": Status.choices,
        "records": [_record(r) for r in answer.data.get("results", [])] if answer.ok else [],
        "count": answer.data.get("count") if answer.ok else None,
        "cards": _cards(request),
        "method_statuses": MethodStatus.choices,
        "may_decide": has_role(request, "oversight"),
        "refused": refused,
        "refused_method": method,
        "decision": request.POST if refused else {},
        "idempotency_key": uuid.uuid4().hex,
        # on the records page, also when a refused status change re-renders it
        **page_links(
            request,
            answer.data if answer.ok else {},
            path=reverse("console:oversight-assessments"),
        ),
    }
    status = refused.status if refused else answer.status
    return render(request, "console/oversight/assessments.html", context, status=status)


@signed_in
def assessment_records(request: HttpRequest) -> HttpResponse:
    """Every assessment, whatever its status, narrowed by the form; then the model cards."""
    return _records_page(request)


@signed_in
def assessment_record(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One record: scope, parameters, review, and what it found, counted per district."""
    answer = api_client.get(request, f"oversight/assessments/{pk}/")
    if not answer.ok:
        return refusal(request, answer)
    context = {"title": _("Assessment record"), "record": _record(answer.data)}
    return render(request, "console/oversight/assessment.html", context)


@require_POST
@signed_in
def method_status(request: HttpRequest, method: str) -> HttpResponse:
    """The kill switch: the API checks the actor is oversight, the rationale and the version."""
    body = {k: request.POST[k] for k in ("status", "rationale", "version") if k in request.POST}
    key = request.POST.get("idempotency_key") or uuid.uuid4().hex
    answer = api_client.post(
        request, f"models/{method}/status/", body, headers={"Idempotency-Key": key}
    )
    if answer.status in (403, 404):
        return refusal(request, answer)
    if not answer.ok:
        return _records_page(request, refused=answer, method=method)
    status = answer.data.get("status", body.get("status"))
    messages.success(
        request,
        _("%(method)s is now %(status)s.") % {"method": method, "status": status},
    )
    return redirect(reverse("console:oversight-assessments") + "#models")
