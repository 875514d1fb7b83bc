"""The incidents map: a Leaflet map beside a list of the incidents the user may see, with the
API list's filters; its data (points, or grid clusters when many) from `incidents/map.json`,
which is the API's GET incidents/map/ read as the signed-in user, refusals included."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.incident_filters import filter_params, list_page

LIST_SIZE = 25


@signed_in
def incidents_map(request: HttpRequest) -> HttpResponse:
    """The map page: filters, map (drawn by incidents.js from map.json) and the first page of
    the list; a refused filter is the API's status with its field errors."""
    answer, context = list_page(request, LIST_SIZE)
    outlines = district_outlines(context["district_rows"])
    context.update(district_outlines=outlines, title=_("Incidents map"))
    status = 200 if answer.ok else answer.status
    return render(request, "console/incidents/map.html", context, status=status)


@signed_in
def incidents_map_data(request: HttpRequest) -> JsonResponse:
    """Points or clusters of the visible, filtered incidents in the map's `view`
    (min_lon,min_lat,max_lon,max_lat) at `zoom`: the API's answer and status."""
    params = filter_params(request.GET)
    for name in ("view", "zoom"):
        if given := request.GET.getlist(name):
            params[name] = given
    answer = api_client.get(request, "incidents/map/", params)
    return JsonResponse(answer.data, status=answer.status, safe=False)


def district_outlines(rows: list[dict]) -> list[dict]:
    """The register's districts (GET incidents/districts/) as Leaflet boxes (south, west,
    north, east) with their names and centres."""
    return [
        {
            "name": row["name"],
            "box": [row["bbox"][1], row["bbox"][0], row["bbox"][3], row["bbox"][2]],
            "centre": row["centre"],
        }
        for row in rows
    ]
