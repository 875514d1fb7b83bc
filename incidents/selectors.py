"""Reads of incidents for output: always through the visibility module (and the record of a
read it refused)."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from agencies.models import User
from fusion import audit
from fusion.audit.events import REFUSED_READ
from incidents.access import visible_incidents
from incidents.choices import PersonRole
from incidents.models import Category, Incident, Person
from incidents.recognition import AWAITING


def incidents_for_reading(user: User, *, with_persons: bool = False) -> QuerySet[Incident]:
    """Visible incidents, with what output needs (agency code, person flags) in the same query."""
    persons = Person.objects.filter(incident=OuterRef("pk"))
    queryset = (
        visible_incidents(user)
        .select_related("agency")
        .annotate(
            has_persons=Exists(persons),
            has_witnesses=Exists(persons.filter(role=PersonRole.WITNESS)),
            has_unconfirmed=Exists(persons.filter(AWAITING)),
        )
    )
    if with_persons:
        queryset = queryset.prefetch_related(Prefetch("persons", Person.objects.order_by("id")))
    return queryset


def active_category_slugs() -> set[str]:
    return set(Category.objects.filter(active=True).values_list("slug", flat=True))


def categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("group", "name")


def log_refused_access(user: User, method: str, pk: object) -> None:
    """Record that `user` asked for an incident that exists but that they may not see (the
    answer stays a 404 like a missing one); the entry is about the owning agency, and is kept
    although the request's transaction rolls back. Everything that differs between a hidden
    id and a missing one (the lookups, the write) runs after the response has been sent, so
    that the two answers take the same time as well as having the same bytes."""
    audit.keep_refusal(partial(_log_if_hidden, user, method, pk))


def _log_if_hidden(user: User, method: str, pk: object) -> None:
    try:
        owner = Incident.objects.filter(pk=pk).values_list("agency_id", flat=True).first()
    except (ValueError, ValidationError):
        return
    # A visible incident can answer 404 too: the list's filters also narrow a detail read.
    if owner is None or visible_incidents(user).filter(pk=pk).exists():
        return
    audit.log_event(
        event=REFUSED_READ,
        actor=user,
        model=Incident,
        object_pk=str(pk),
        object_repr="incident not visible to the caller",
        outcome="failure",
        details={"object_agency_id": owner, "method": method},
    )
