"""What every page of Fusion's Django admin shares: who acts, and no write past the services.

The admin runs on session authentication, outside DRF, so nothing binds the audit actor the
way the API's base view does (`fusion.api.base`). Every view of a `FusionModelAdmin` runs
inside `audit.acting(user, component="admin")`: its entries name the signed-in user beside
the correlation id and address that `fusion.middleware` gives every request. A domain error a
service raises becomes a message on the page; the admin's own transaction has rolled back.

The admin is for platform admins repairing permissions, not a second way to write: a model
admin here writes only through services, and whatever has no service is read-only.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern

from fusion import audit
from fusion.errors import DomainError, NotFound

COMPONENT = "admin"


def attributed_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an admin view: audit entries name the signed-in user; domain errors are shown."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with audit.acting(request.user, component=COMPONENT):
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc
            except DomainError as exc:
                if transaction.get_connection().in_atomic_block:
                    transaction.set_rollback(True)  # nothing half-done is kept
                messages.error(request, exc.detail)
                return HttpResponseRedirect(request.get_full_path())

    return wrapper


def _filter_lookups(model: Any, list_filter: Any) -> set[str]:
    """The query-string lookups the declared list filters make, and no other: a field's own
    value (`f`, `f__exact`), `f__isnull`, and a relation's key (`f__id__exact`)."""
    allowed: set[str] = set()
    for item in list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            allowed.add(item.parameter_name)
            continue
        path = item[0] if isinstance(item, list | tuple) else item
        allowed |= {path, f"{path}__exact", f"{path}__isnull"}
        field = get_fields_from_path(model, path)[-1]
        if field.is_relation:
            allowed.add(f"{path}__{field.target_field.name}__exact")
    return allowed


class AttributedAdminMixin:
    """Every URL of the model admin (Django's, guardian's, ours) runs `attributed_view`; a
    list page filters only by its declared filters.

    Django otherwise accepts any lookup on a model's own fields from the query string
    (`?description__istartswith=s`): a list page answering "1 incident" or "0 incidents"
    reads any field one character at a time, whatever the page shows."""

    def get_urls(self) -> list[URLPattern]:
        patterns = super().get_urls()  # type: ignore[misc]
        for pattern in patterns:
            pattern.callback = attributed_view(pattern.callback)
        return patterns

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        filters = self.get_list_filter(request) if request is not None else self.list_filter  # type: ignore[attr-defined]
        return lookup in _filter_lookups(self.model, filters)  # type: ignore[attr-defined]


class FusionModelAdmin(AttributedAdminMixin, admin.ModelAdmin):
    """Base of Fusion's model admins: attributed, and no deletes (single or bulk) unless the
    subclass deletes through a service (overriding delete_model and delete_queryset too)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyModelAdmin(FusionModelAdmin):
    """Records that change only through the API's services (or not at all): view them here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
