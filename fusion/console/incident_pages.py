"""Routes of the console's incident pages: the map and its data, the list, one incident."""

from django.urls import path

from fusion.console.incident_detail import incident_detail
from fusion.console.incident_list import incident_list
from fusion.console.incident_map import incidents_map, incidents_map_data

urlpatterns = [
    path("incidents/", incident_list, name="incidents"),
    path("incidents/map/", incidents_map, name="incidents-map"),
    path("incidents/map.json", incidents_map_data, name="incidents-map-data"),
    path("incidents/<uuid:pk>/", incident_detail, name="incident"),
]
