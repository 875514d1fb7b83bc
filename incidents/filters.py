"""Query filters of the incident list; they narrow what visibility already allowed."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agencies.choices import CONTENT_ROLES
from agencies.selectors import agency_ids_with_role
from incidents.choices import TLP
from incidents.models import Incident


class BBoxField(forms.CharField):
    """`min_lon,min_lat,max_lon,max_lat` in degrees, checked as a form field (400 on error)."""

    def clean(self, value: str | None) -> tuple[float, float, float, float] | None:
        value = super().clean(value)
        if not value:
            return None
        try:
            min_lon, min_lat, max_lon, max_lat = (float(v) for v in value.split(","))
        except ValueError as exc:
            raise ValidationError("Use bbox=min_lon,min_lat,max_lon,max_lat.") from exc
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise ValidationError("Bounds out of range or min above max.")
        return min_lon, min_lat, max_lon, max_lat


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(filters.Filter):
    field_class = BBoxField

    def filter(self, qs: QuerySet, value: tuple[float, float, float, float] | None) -> QuerySet:
        if not value:
            return qs
        min_lon, min_lat, max_lon, max_lat = value
        return qs.filter(
            longitude__gte=min_lon,
            longitude__lte=max_lon,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
        )


class IncidentFilter(filters.FilterSet):
    agency = filters.CharFilter(field_name="agency__code")
    category = filters.CharFilter(field_name="category_id")
    severity_min = filters.NumberFilter(field_name="severity", lookup_expr="gte", min_value=1)
    occurred_after = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    district = filters.CharFilter(field_name="district", lookup_expr="iexact")
    tlp = filters.ChoiceFilter(choices=TLP.choices)
    bbox = BBoxFilter(label="min_lon,min_lat,max_lon,max_lat")
    q = filters.CharFilter(method="filter_text", label="text search")
    shared = filters.BooleanFilter(method="filter_shared", label="only other agencies' incidents")

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(
            Q(description__icontains=value)
            | Q(external_ref__icontains=value)
            | Q(district__icontains=value)
        )

    def filter_shared(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        own = agency_ids_with_role(self.request.user, CONTENT_ROLES)
        return qs.exclude(agency_id__in=own) if value else qs.filter(agency_id__in=own)
