"""The sharing page of agency admins: their agencies' sharing agreements (list, create and change
after the API's dry run, delete after its preview) and the way to one incident's shares. What
is listed is what GET sharing-agreements/ answers; another agency's agreement is a 404 page."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from fusion.console import api_client
from fusion.console.access import has_role, signed_in
from fusion.console.paging import api_page, page_links
from fusion.console.sharing_agreements import editor
from fusion.console.sharing_shares import incident_shares, revoke_share
from fusion.console.times import with_times

AGREEMENTS = "sharing-agreements/"


@signed_in
def sharing(request: HttpRequest) -> HttpResponse:
    """The agreements of the agencies the user administers; the form to open an incident's
    shares (`?incident=<id>`)."""
    wanted = request.GET.get("incident", "").strip()
    if wanted:
        try:
            return redirect("console:incident-shares", uuid.UUID(wanted))
        except ValueError:
            messages.error(request, _("An incident id looks like 8-4-4-4-12 hexadecimal digits."))
    answer = api_client.get(request, AGREEMENTS, api_page(request))
    data = answer.data if answer.ok and isinstance(answer.data, dict) else {}
    context = {
        "admin": has_role(request, "agency_admin"),
        "agreements": with_times(data.get("results", []), "updated_at", "applied_at"),
        **page_links(request, data),
        "incident": wanted,
        "answer": answer,
    }
    status = 200 if answer.ok else answer.status
    return render(request, "console/sharing/sharing.html", context, status=status)


@signed_in
def agreement_new(request: HttpRequest) -> HttpResponse:
    """A new agreement: the form, its preview, then the save."""
    return editor(request, path=AGREEMENTS, method="POST")


@signed_in
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A change of an agreement of the user's agency (404 for any other): form, preview, save."""
    agreement = api_client.get(request, f"{AGREEMENTS}{pk}/").or_404()
    return editor(request, path=f"{AGREEMENTS}{pk}/", method="PATCH", agreement=agreement)


@signed_in
def agreement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what deleting would withdraw (the API's dry run); POST: delete."""
    agreement = api_client.get(request, f"{AGREEMENTS}{pk}/").or_404()
    if request.method == "POST":
        answer = api_client.post(request, f"{AGREEMENTS}{pk}/", method="DELETE")
        if answer.ok:
            messages.success(request, _("Sharing agreement deleted; its shares are withdrawn."))
            return redirect("console:sharing")
    else:
        answer = api_client.post(
            request, f"{AGREEMENTS}{pk}/", method="DELETE", params={"dry_run": "true"}
        )
    context = {"agreement": agreement, "preview": answer.data if answer.ok else None}
    context["answer"] = answer
    status = 200 if answer.ok else answer.status
    return render(request, "console/sharing/agreement_delete.html", context, status=status)


urlpatterns = [
    path("sharing/", sharing, name="sharing"),
    path("sharing/agreements/new/", agreement_new, name="sharing-agreement-new"),
    path("sharing/agreements/<int:pk>/edit/", agreement_edit, name="sharing-agreement-edit"),
    path("sharing/agreements/<int:pk>/delete/", agreement_delete, name="sharing-agreement-delete"),
    path("sharing/incidents/<uuid:incident>/", incident_shares, name="incident-shares"),
    path(
        "sharing/incidents/<uuid:incident>/shares/<int:share>/revoke/",
        revoke_share,
        name="incident-share-revoke",
    ),
]
