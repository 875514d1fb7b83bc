"""Assessment pages: the list, the request form, one assessment (live progress, the four-eyes
review, the approved result on a map with its evidence, bias checks and flags), and the
routes of the reports and KPI pages (fusion.console.assessment_reports).

Each page reads and writes through the API's assessment routes, so who sees an assessment
(404 otherwise), who may review it (403 for its requester) and what a request may ask (400
naming the field) are the API's answers."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics.choices import FlagAction, Kind, Status
from fusion.console import api_client, assessment_forms, assessment_reports, assessment_results
from fusion.console.access import signed_in
from fusion.console.incident_filters import district_rows
from fusion.console.paging import page_links
from fusion.console.times import api_time
from incidents.choices import TLP

OPEN = {Status.QUEUED.value, Status.RUNNING.value}


def _map_labels() -> dict[str, str]:
    return {
        "hot": _("Hot cell"),
        "cold": _("Cold cell"),
        "flagged": _("Flagged cell"),
        "plain": _("Cell"),
        "count": _("Incidents"),
        "risk": _("Risk"),
        "behind": _("Incidents behind this cell"),
    }


@signed_in
def assessment_list(request: HttpRequest) -> HttpResponse:
    """The assessments the user may see, filtered by status and kind as the API filters."""
    params = {k: request.GET[k] for k in ("status", "kind", "page") if request.GET.get(k)}
    answer = api_client.get(request, "assessments/", params)
    rows = answer.data.get("results", []) if answer.ok else []
    for row in rows:
        row["created"] = api_time(row.get("created_at"))
    context = {
        "answer": answer,
        "rows": rows,
        "statuses": Status.choices,
        "kinds": Kind.choices,
        "chosen": params,
        **page_links(request, answer.data),
    }
    return render(request, "console/assessments/list.html", context, status=answer.status)


def _form_context(request: HttpRequest, answer: api_client.Answer | None) -> dict[str, Any]:
    posted = request.POST if request.method == "POST" else None
    kind = (posted or {}).get("kind") or Kind.HOTSPOTS.value
    fieldsets = assessment_forms.param_fields(posted)
    field_errors: dict[str, list[str]] = {}
    other_errors: dict[str, list[str]] = {}
    if answer is not None:
        ids = assessment_forms.field_ids(kind)
        for key, msgs in answer.errors.items():
            if key in ids:
                field_errors[ids[key]] = msgs
            else:
                other_errors[key] = msgs
    for fieldset in fieldsets:
        for field in fieldset["fields"]:
            field["errors"] = field_errors.get(field["id"], [])
    categories = api_client.get(request, "incidents/categories/")
    names = [row["name"] for row in district_rows(request)]
    return {
        "answer": answer,
        "kind": kind,
        "kinds": Kind.choices,
        "fieldsets": fieldsets,
        "errors": {key.removeprefix("f-"): msgs for key, msgs in field_errors.items()},
        "other_errors": other_errors,
        "categories": categories.data if categories.ok else [],
        "districts": names,
        "tlps": TLP.choices,
        "posted": posted,
        "chosen_categories": posted.getlist("categories") if posted else [],
        "chosen_districts": posted.getlist("districts") if posted else [],
        "idempotency_key": (posted or {}).get("idempotency_key") or str(uuid.uuid4()),
    }


@signed_in
def assessment_new(request: HttpRequest) -> HttpResponse:
    """The request form; a request posts to the API with the key made when the form was shown,
    so a double submit makes one assessment."""
    if request.method != "POST":
        return render(request, "console/assessments/new.html", _form_context(request, None))
    body = assessment_forms.request_body(request.POST)
    key = request.POST.get("idempotency_key") or str(uuid.uuid4())
    answer = api_client.post(request, "assessments/", body, headers={"Idempotency-Key": key})
    if answer.ok:
        messages.success(request, _("The assessment was requested."))
        return redirect("console:assessment", pk=answer.data["id"])
    context = _form_context(request, answer)
    return render(request, "console/assessments/new.html", context, status=answer.status)


def _detail_context(request: HttpRequest, pk: uuid.UUID) -> dict[str, Any]:
    assessment = api_client.get(request, f"assessments/{pk}/").or_404()
    status = assessment["status"]
    shown = status in {Status.PENDING_REVIEW, Status.APPROVED}
    rows = assessment_results.cells(assessment) if shown else []
    flags: list[dict[str, Any]] = []
    if status in {Status.APPROVED, Status.WITHDRAWN}:
        answer = api_client.get(request, f"assessments/{pk}/flags/", {"page_size": 500})
        flags = answer.data.get("results", []) if answer.ok else []
    for flag in flags:
        flag["starts"], flag["ends"] = api_time(flag["period_start"]), api_time(flag["period_end"])
        flag["acknowledged_at"] = api_time((flag.get("acknowledgement") or {}).get("at"))
    result = assessment.get("result") or {}
    scope = assessment.get("scope") or {}
    return {
        "a": assessment,
        "created": api_time(assessment.get("created_at")),
        "window": (api_time(scope.get("occurred_after")), api_time(scope.get("occurred_before"))),
        "reviewed_at": api_time((assessment.get("review") or {}).get("reviewed_at")),
        "tlp": assessment.get("tlp"),
        "running": status in OPEN,
        "is_requester": assessment.get("requester") == request.user.get_username(),
        "warnings": result.get("warnings") or [],
        "cells": rows,
        "significant_cells": [r for r in rows if r.get("kind") in {"hot", "cold"}],
        "flagged_cells": [r for r in rows if r.get("flagged")],
        "surges": [x for x in result.get("surges") or [] if x.get("significant")],
        "surges_tested": len(result.get("surges") or []),
        "links": result.get("links") or [],
        "map_layer": assessment_results.map_layer(assessment, rows),
        "map_labels": _map_labels(),
        "checks": assessment_results.check_rows(result.get("bias_checks") or {}),
        "parameters": sorted((assessment.get("params") or {}).items()),
        "flags": flags,
        "flag_actions": FlagAction.choices,
    }


@signed_in
def assessment_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return render(request, "console/assessments/detail.html", _detail_context(request, pk))


@signed_in
def assessment_progress(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The progress partial the page polls while the run is open; once it is done, the page
    is reloaded (HX-Refresh) to show the review or the failure."""
    assessment = api_client.get(request, f"assessments/{pk}/").or_404()
    response = render(request, "console/assessments/_progress.html", {"a": assessment})
    if assessment["status"] not in OPEN:
        response["HX-Refresh"] = "true"
    return response


def _refused(request: HttpRequest, pk: uuid.UUID, name: str, answer: Any) -> HttpResponse:
    context = {**_detail_context(request, pk), name: answer}
    template = "console/assessments/detail.html"
    return render(request, template, context, status=answer.status)


@signed_in
@require_POST
def assessment_review(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Approve or reject with a rationale, acknowledging the result's warnings (the API
    refuses the requester with 403 and an approval with a warning left out with 400)."""
    body = {
        "decision": request.POST.get("decision", ""),
        "rationale": request.POST.get("rationale", ""),
        "acknowledged_warnings": request.POST.getlist("acknowledged_warnings"),
    }
    answer = api_client.post(request, f"assessments/{pk}/review/", body)
    if not answer.ok:
        return _refused(request, pk, "review_answer", answer)
    messages.success(request, _("Your decision was recorded: %s.") % answer.data["status"])
    return redirect("console:assessment", pk=pk)


@signed_in
@require_POST
def flag_acknowledge(request: HttpRequest, pk: uuid.UUID, flag: int) -> HttpResponse:
    """The receiving agency's acknowledgement of a flag: patrol, inquiry, or none with a
    reason."""
    body = {"action": request.POST.get("action", ""), "reason": request.POST.get("reason", "")}
    answer = api_client.post(request, f"assessments/{pk}/flags/{flag}/acknowledge/", body)
    if not answer.ok:
        return _refused(request, pk, "ack_answer", answer)
    messages.success(request, _("The flag was acknowledged."))
    return redirect(reverse("console:assessment", kwargs={"pk": pk}) + "#flags")


urlpatterns = [
    path("assessments/", assessment_list, name="assessments"),
    path("assessments/new/", assessment_new, name="assessment-new"),
    path("assessments/<uuid:pk>/", assessment_detail, name="assessment"),
    path("assessments/<uuid:pk>/progress/", assessment_progress, name="assessment-progress"),
    path("assessments/<uuid:pk>/review/", assessment_review, name="assessment-review"),
    path(
        "assessments/<uuid:pk>/flags/<int:flag>/acknowledge/",
        flag_acknowledge,
        name="assessment-flag-acknowledge",
    ),
    *assessment_reports.urlpatterns,
]
