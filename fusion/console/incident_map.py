"""The incidents map: a Leaflet map beside a list of the incidents the user may see, with the
API list's filters; its data (points, or grid clusters when many) from `incidents/map.json`.

map.json reads the incidents through the API list's own queryset (incidents_for_reading, the
visibility selector) narrowed by the API's own filter class, and asks the API list first, so
that bad filters and a reader without incident roles get the API's own refusal."""

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.incident_clusters import View, map_data
from fusion.console.incident_filters import filter_params, list_page
from incidents.districts import register
from incidents.filters import BBoxField, IncidentFilter
from incidents.selectors import incidents_for_reading

LIST_SIZE = 25
MAX_ZOOM = 22


@signed_in
def incidents_map(request: HttpRequest) -> HttpResponse:
    """The map page: filters, map (drawn by incidents.js from map.json) and the first page of
    the list; a refused filter is the API's status with its field errors."""
    answer, context = list_page(request, LIST_SIZE)
    context.update(district_outlines=district_outlines(), title=_("Incidents map"))
    status = 200 if answer.ok else answer.status
    return render(request, "console/incidents/map.html", context, status=status)


@signed_in
def incidents_map_data(request: HttpRequest) -> JsonResponse:
    """Points or clusters of the visible, filtered incidents in the map's `view`
    (min_lon,min_lat,max_lon,max_lat) at `zoom`."""
    params = filter_params(request.GET)
    check = api_client.get(request, "incidents/", {**params, "page_size": 1})
    if not check.ok:
        return JsonResponse(check.data, status=check.status)
    form = ViewForm(request.GET)
    repeated = [name for name in ("view", "zoom") if len(request.GET.getlist(name)) > 1]
    if repeated or not form.is_valid():
        errors = {name: ["Give it once."] for name in repeated} or {
            name: [e["message"] for e in found]
            for name, found in form.errors.get_json_data().items()
        }
        return JsonResponse({"detail": "Invalid input.", "errors": errors}, status=400)
    # exactly the filters the API's answer above was given, read by the API's filter class
    checked = QueryDict(mutable=True)
    for name, values in params.items():
        checked.setlist(name, values)
    filtered = IncidentFilter(
        checked, queryset=incidents_for_reading(request.user), request=request
    )
    if not filtered.is_valid():
        errors = {name: [str(m) for m in found] for name, found in filtered.errors.items()}
        return JsonResponse({"detail": "Invalid input.", "errors": errors}, status=400)
    return JsonResponse(map_data(filtered.qs, form.map_view()))


class ViewForm(forms.Form):
    """The map's box (`view`: min_lon,min_lat,max_lon,max_lat) and `zoom`; the whole world at
    zoom 0 when left out."""

    view = BBoxField(required=False)
    zoom = forms.IntegerField(min_value=0, max_value=MAX_ZOOM, required=False)

    def map_view(self) -> View:
        west, south, east, north = self.cleaned_data["view"] or (-180.0, -90.0, 180.0, 90.0)
        zoom = self.cleaned_data["zoom"]
        return View(west, south, east, north, 0 if zoom is None else zoom)


def district_outlines() -> list[dict]:
    """The register's districts as boxes with their names and centres (no outline when the
    register is off)."""
    return [
        {
            "name": area.name,
            "box": [area.south, area.west, area.north, area.east],
            "centre": list(area.centre),
        }
        for area in register().areas()
    ]
