"""What must follow a write of incidents, done by the sharing kernel above this app: shares
the new TLP no longer allows end, agreements share what they now cover, matches are looked
for. The kernel installs these at start (FusionConfig.ready); ingest calls them in the same
transaction as the write."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured

_hooks: dict[str, Callable[..., None]] = {}


def install(**hooks: Callable[..., None]) -> None:
    """Called once by the sharing kernel: after_write and after_upsert."""
    _hooks.update(hooks)


def _hook(name: str) -> Callable[..., None]:
    try:
        return _hooks[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"No sharing kernel installed '{name}' (is the fusion app installed?)"
        ) from None


def after_write(incidents: list[Any]) -> None:
    """After single writes (create, update, re-post)."""
    _hook("after_write")(incidents)


def after_upsert(
    agency: Any,
    ids: list[UUID],
    updated: list[UUID],
    with_persons: list[Any],
    written: tuple[str, list[Any]],
) -> None:
    """After a set-based batch: `written` is SQL (and its parameters) selecting the written
    rows as (id, agency_id, category, latitude, longitude, occurred_at)."""
    _hook("after_upsert")(agency, ids, updated, with_persons, written)
