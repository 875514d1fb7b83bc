"""The incident list: the API list's pages (cursor carried from page to page) with its filters;
each row opens the incident."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fusion.console.access import signed_in
from fusion.console.incident_filters import list_page

PAGE_SIZE = 50


@signed_in
def incident_list(request: HttpRequest) -> HttpResponse:
    """One page of the incidents the user may see; a refused filter is the API's status with
    its field errors."""
    answer, context = list_page(request, PAGE_SIZE)
    context["title"] = _("Incidents")
    status = 200 if answer.ok else answer.status
    return render(request, "console/incidents/list.html", context, status=status)
