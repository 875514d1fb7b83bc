"""The parameters and answer of GET incidents/map/: the map's box (`view`) and `zoom`, read
as a form so a bad or repeated value is a 400 naming it, and the answer's shape for the
schema (incidents.map_clusters makes it); and the shape of GET incidents/districts/
(incidents.districts.register_summary)."""

from django import forms
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from incidents.filters import BBoxField, FilterForm
from incidents.map_clusters import View

MAX_ZOOM = 22
WORLD = (-180.0, -90.0, 180.0, 90.0)

PARAMETERS = [
    OpenApiParameter(
        "view",
        str,
        description="The map's box, min_lon,min_lat,max_lon,max_lat in degrees (default: the "
        "whole world).",
    ),
    OpenApiParameter(
        "zoom",
        int,
        description=f"The map's zoom level, 0 to {MAX_ZOOM} (default 0): clusters are about "
        "64 pixels wide at it.",
    ),
]


class MapViewForm(FilterForm):
    view = BBoxField(required=False)
    zoom = forms.IntegerField(min_value=0, max_value=MAX_ZOOM, required=False)


def map_view(query: object) -> View:
    """The view the query asks for; a ValidationError naming each bad or repeated parameter."""
    form = MapViewForm(query)
    if not form.is_valid():
        raise translate_validation(form.errors)  # as the list's filters are refused
    west, south, east, north = form.cleaned_data["view"] or WORLD
    zoom = form.cleaned_data["zoom"]
    return View(west, south, east, north, 0 if zoom is None else zoom)


class MapPointSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    tlp = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.IntegerField()
    district = serializers.CharField(allow_blank=True)
    occurred_at = serializers.DateTimeField()


class MapClusterSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Incidents in the grid cell.")
    lat = serializers.FloatField(help_text="Their mean latitude.")
    lon = serializers.FloatField(help_text="Their mean longitude.")
    tlp = serializers.CharField(help_text="The most restrictive TLP among them.")


class MapDataSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["points", "clusters"])
    total = serializers.IntegerField(help_text="Visible, filtered incidents in the view.")
    points = MapPointSerializer(many=True, required=False, help_text="In points mode.")
    cell_degrees = serializers.FloatField(required=False, help_text="In clusters mode.")
    clusters = MapClusterSerializer(many=True, required=False, help_text="In clusters mode.")


class DistrictSerializer(serializers.Serializer):
    name = serializers.CharField()
    bbox = serializers.ListField(
        child=serializers.FloatField(), help_text="west, south, east, north (degrees)"
    )
    centre = serializers.ListField(child=serializers.FloatField(), help_text="lat, lon")


class DistrictRegisterSerializer(serializers.Serializer):
    register = serializers.CharField(help_text='Its name; "off" when names are not checked.')
    source = serializers.CharField(allow_blank=True)
    licence = serializers.CharField(allow_blank=True)
    tolerance_km = serializers.FloatField(allow_null=True)
    districts = DistrictSerializer(many=True)
