"""Reads of incidents for output: always through the visibility module."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from agencies.models import User
from fusion.visibility import visible_incidents
from incidents.choices import PersonRole
from incidents.models import Category, Incident, Person


def incidents_for_reading(user: User, *, with_persons: bool = False) -> QuerySet[Incident]:
    """Visible incidents, with what output needs (agency code, person flags) in the same query."""
    persons = Person.objects.filter(incident=OuterRef("pk"))
    queryset = (
        visible_incidents(user)
        .select_related("agency")
        .annotate(
            has_persons=Exists(persons),
            has_witnesses=Exists(persons.filter(role=PersonRole.WITNESS)),
        )
    )
    if with_persons:
        queryset = queryset.prefetch_related(Prefetch("persons", Person.objects.order_by("id")))
    return queryset


def active_category_slugs() -> set[str]:
    return set(Category.objects.filter(active=True).values_list("slug", flat=True))


def categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("group", "name")
