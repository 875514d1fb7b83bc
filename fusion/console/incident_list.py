"""The incident list: the API list's pages (cursor carried from page to page) with its filters;
each row opens the incident."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.incident_filters import (
    cursor_url,
    filter_context,
    filter_params,
    readable,
)

PAGE_SIZE = 50


@signed_in
def incident_list(request: HttpRequest) -> HttpResponse:
    """One page of the incidents the user may see; a refused filter is the API's status with
    its field errors."""
    params = {**filter_params(request.GET), "page_size": PAGE_SIZE}
    if request.GET.get("cursor"):
        params["cursor"] = request.GET["cursor"]
    answer = api_client.get(request, "incidents/", params)
    data = answer.data if answer.ok else {}
    context = {
        "answer": answer,
        "incidents": readable(data.get("results", [])),
        "next_url": cursor_url(request, data.get("next")),
        "previous_url": cursor_url(request, data.get("previous")),
        "title": _("Incidents"),
        **filter_context(request),
    }
    status = 200 if answer.ok else answer.status
    return render(request, "console/incidents/list.html", context, status=status)
