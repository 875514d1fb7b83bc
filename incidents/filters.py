"""Query filters of the incident list; they narrow what visibility already allowed."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.choices import CONTENT_ROLES
from agencies.models import Agency
from agencies.selectors import agency_ids_with_role
from fusion.api.datetimes import UtcIsoDateTimeFilter
from incidents.choices import TLP
from incidents.districts import register, unknown_district
from incidents.models import Category, Incident


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


_DEGREES = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"


@extend_schema_field(
    {
        "type": "string",
        "pattern": rf"^({_DEGREES}(,{_DEGREES}){{3}})?$",
        "description": "min_lon,min_lat,max_lon,max_lat in degrees: longitudes within "
        "-180..180, latitudes within -90..90, each min at most its max (else 400).",
    }
)
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


class DistrictField(forms.CharField):
    """A district name or alias, as the district register names it (400 when unknown)."""

    def clean(self, value: str | None) -> str | None:
        value = super().clean(value)
        if not value:
            return None
        name = register().canonical(value)
        if name is None:
            raise ValidationError(unknown_district(value))
        return name


@extend_schema_field(
    {"type": "string", "description": "A district of the register (aliases accepted; else 400)."}
)
class DistrictFilter(filters.CharFilter):
    field_class = DistrictField


class CategoryField(forms.CharField):
    """Category slugs of the taxonomy, active or retired, separated by commas (400 naming the
    first unknown one)."""

    def clean(self, value: str | None) -> list[str] | None:
        value = super().clean(value)
        if not value:
            return None
        slugs = list(dict.fromkeys(slug.strip() for slug in value.split(",")))
        known = set(Category.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        for slug in slugs:
            if slug not in known:
                raise ValidationError(
                    f"Unknown category {slug!r}; see /api/v1/incidents/categories/."
                )
        return slugs


@extend_schema_field(
    {
        "type": "string",
        "description": "A category slug, or several separated by commas (any of them); an "
        "unknown one is a 400.",
    }
)
class CategoryFilter(filters.Filter):
    field_class = CategoryField

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        return qs.filter(category_id__in=value) if value else qs


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 5})
class SeverityFilter(filters.NumberFilter):
    """A severity bound, 1 to 5 (else 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, min_value=1, max_value=5, **kwargs)


class AgencyField(forms.CharField):
    """An agency code, in any case (400 when no agency has it: codes are listed to everyone)."""

    def clean(self, value: str | None) -> str | None:
        value = super().clean(value)
        if not value:
            return None
        code = Agency.objects.filter(code__iexact=value).values_list("code", flat=True).first()
        if code is None:
            raise ValidationError(f"Unknown agency {value!r}; see /api/v1/agencies/.")
        return code


@extend_schema_field({"type": "string", "description": "An agency code, any case (unknown: 400)."})
class AgencyFilter(filters.CharFilter):
    field_class = AgencyField


class StrictBooleanField(forms.CharField):
    """A boolean as DRF reads one (`true`/`false`, `1`/`0`, `yes`/`no`, …); anything else is
    a 400 rather than no filter at all."""

    def clean(self, value: str | None) -> bool | None:
        value = super().clean(value)
        if not value:
            return None
        if value in serializers.BooleanField.TRUE_VALUES:
            return True
        if value in serializers.BooleanField.FALSE_VALUES:
            return False
        raise ValidationError("Use true or false (or 1 or 0).")


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


# (lower bound, upper bound): a lower bound above its upper bound is a 400 naming the lower.
BOUNDS = (("severity_min", "severity_max"), ("occurred_after", "occurred_before"))


class FilterForm(forms.Form):
    """The filters' form: each parameter given once, and bounds in order."""

    def clean(self) -> dict:
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", None)
        for name in self.fields if getlist else ():
            if len(getlist(name)) > 1:
                self.add_error(name, "Give it once.")
        for low, high in BOUNDS:
            first, last = cleaned.get(low), cleaned.get(high)
            if first is not None and last is not None and first > last:
                self.add_error(low, f"Must not be above {high}.")
        return cleaned


class IncidentFilter(filters.FilterSet):
    agency = AgencyFilter(field_name="agency__code")
    category = CategoryFilter(field_name="category_id")
    severity_min = SeverityFilter(field_name="severity", lookup_expr="gte")
    severity_max = SeverityFilter(field_name="severity", lookup_expr="lte")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    district = DistrictFilter(field_name="district", lookup_expr="iexact")
    tlp = filters.ChoiceFilter(choices=TLP.choices)
    bbox = BBoxFilter(label="min_lon,min_lat,max_lon,max_lat")
    q = filters.CharFilter(method="filter_text", label="text search")
    shared = StrictBooleanFilter(method="filter_shared", label="only other agencies' incidents")

    class Meta:
        model = Incident
        fields: list[str] = []
        form = FilterForm

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
