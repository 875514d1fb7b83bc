"""What must follow a write of incidents, done by the sharing kernel above this app: shares
the new TLP no longer allows end, agreements share what they now cover, matches are looked
for. The kernel installs these at start (FusionConfig.ready); ingest calls them in the same
transaction as the write."""

from typing import Any
from uuid import UUID

from fusion.hooks import Answers

hooks = Answers("sharing kernel", "after_write", "after_upsert", "before_delete", "after_delete")
install = hooks.install
_hook = hooks.get


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


def before_delete(incidents: list[Any]) -> Any:
    """Before incidents are deleted, in the same transaction: what `after_delete` needs (the
    incidents that have match hints with them)."""
    return _hook("before_delete")(incidents)


def after_delete(before: Any) -> None:
    """After the delete is stored: the incidents that had hints with the deleted ones look
    again for matches."""
    _hook("after_delete")(before)
