"""The sharing agreement editor: a form read into the API's body, its dry run shown before any
save, and the save of exactly what was previewed.

Saving is offered only with a preview: the preview carries the body it showed, signed, and a
save whose form no longer says the same is previewed again instead of saved. The API's dry run
(`?dry_run=true`) runs the request's own checks, so a refusal shows at the preview."""

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import Agency
from agencies.selectors import roles_of
from fusion.console import api_client
from fusion.console.api_client import Answer
from fusion.console.inbox_forms import as_int, new_key

SALT = "fusion.console.agreement-preview"
PREVIEW_MAX_AGE = 3600  # seconds a preview stays good for saving


def body_from(post: Any, *, editing: bool) -> dict[str, Any]:
    """The API's body of the agreement form (an empty purpose left out, as the API takes it)."""
    severity = post.get("severity_min", "").strip()
    body: dict[str, Any] = {
        "recipient": post.get("recipient", ""),
        "categories": sorted(post.getlist("categories")),
        "districts": [d.strip() for d in post.get("districts", "").split(",") if d.strip()],
        "level": post.get("level", "view"),
    }
    if severity:
        body["severity_min"] = as_int(severity)
    if post.get("purpose", "").strip():
        body["purpose"] = post["purpose"].strip()
    if editing:
        body["active"] = post.get("active") == "on"
    elif post.get("agency"):
        body["agency"] = post["agency"]
    return body


def values_of(agreement: dict[str, Any]) -> dict[str, Any]:
    """The form's values for an agreement (or a body) as the API gave it."""
    return {
        "agency": agreement.get("agency") or agreement.get("owner", ""),
        "recipient": agreement.get("recipient", ""),
        "categories": agreement.get("categories", []),
        "districts": ", ".join(agreement.get("districts", [])),
        "severity_min": agreement.get("severity_min", 1),
        "level": agreement.get("level", "view"),
        "purpose": agreement.get("purpose", ""),
        "active": agreement.get("active", True),
    }


def _choices(request: HttpRequest) -> dict[str, Any]:
    held = roles_of(request.user)
    owners = list(
        Agency.objects.filter(
            pk__in=[pk for pk, role in held.items() if role == Role.AGENCY_ADMIN]
        ).values_list("code", flat=True)
    )
    agencies = api_client.get(request, "agencies/", {"page_size": 500})
    categories = api_client.get(request, "incidents/categories/")
    return {
        "owners": sorted(owners),
        "recipients": [
            a
            for a in (agencies.data.get("results", []) if agencies.ok else [])
            if a["code"] not in owners and a["kind"] != "oversight"
        ],
        "categories_all": categories.data if categories.ok else [],
        "severities": range(1, 6),
        "levels": [("view", _("View (no persons)")), ("view_persons", _("View with persons"))],
    }


def editor(
    request: HttpRequest,
    *,
    path: str,
    method: str,
    agreement: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET: the form; POST `action=preview`: the API's dry run of the form; POST `action=save`:
    the save of what was previewed (previewed again when the form changed since)."""
    editing = agreement is not None
    if request.method != "POST":
        return _render(request, agreement, values_of(agreement or {}))
    body = body_from(request.POST, editing=editing)
    values = values_of(body)
    previewed = _previewed(request.POST.get("previewed", ""))
    saving = request.POST.get("action") == "save"
    if saving and previewed is not None and (previewed["path"], previewed["body"]) == (path, body):
        headers = {"Idempotency-Key": previewed["key"]} if method == "POST" else {}
        answer = api_client.post(request, path, body, method=method, headers=headers)
        if answer.ok:
            messages.success(request, _("Sharing agreement saved."))
            return _saved(request)
        return _render(request, agreement, values, answer=answer)
    dry = api_client.post(request, path, body, method=method, params={"dry_run": "true"})
    if not dry.ok:
        return _render(request, agreement, values, answer=dry)
    preview = _preview(dry, path, body)
    changed = saving and previewed is not None
    return _render(request, agreement, values, preview=preview, changed=changed)


def _previewed(blob: str) -> dict[str, Any] | None:
    try:
        return signing.loads(blob, salt=SALT, max_age=PREVIEW_MAX_AGE) if blob else None
    except signing.BadSignature:
        return None


def _preview(dry: Answer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """The dry run's answer, its counts per agency (one row when the recipient stays), and the
    signed body a save sends."""
    data = dry.data
    gain, lose = data["gain"], data["lose"]
    per_agency = {gain["agency"]: {"agency": gain["agency"], "gains": data["gain_count"]}}
    per_agency.setdefault(lose["agency"], {"agency": lose["agency"], "gains": 0})
    per_agency[lose["agency"]]["loses"] = data["loss_count"]
    signed = signing.dumps({"path": path, "body": body, "key": new_key()}, salt=SALT)
    return {**data, "by_agency": list(per_agency.values()), "signed": signed}


def _saved(request: HttpRequest) -> HttpResponse:
    if request.headers.get("HX-Request"):  # a full page load, not a swap
        response = HttpResponse()
        response["HX-Redirect"] = reverse("console:sharing")
        return response
    return redirect("console:sharing")


def _render(
    request: HttpRequest,
    agreement: dict[str, Any] | None,
    values: dict[str, Any],
    *,
    answer: Answer | None = None,
    preview: dict[str, Any] | None = None,
    changed: bool = False,
) -> HttpResponse:
    context = {
        "agreement": agreement,
        "values": values,
        "answer": answer,
        "preview": preview,
        "changed": changed,
        **_choices(request),
    }
    status = answer.status if answer is not None else 200
    if request.headers.get("HX-Request"):
        return render(request, "console/sharing/_preview.html", context, status=status)
    return render(request, "console/sharing/agreement_form.html", context, status=status)
