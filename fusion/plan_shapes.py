"""Query shapes whose PostgreSQL plans hold whatever the planner's row estimates, which lag
far behind during a bulk load or back-fill: ids given as one array constant, and EXISTS
evaluated as a per-row index probe.
"""

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.db.models import BooleanField, Exists
from django.db.models.expressions import RawSQL


def id_array(ids: Iterable[UUID | int | str]) -> str:
    """Ids (UUIDs or integers) as one PostgreSQL array literal, to pass as a parameter cast to
    uuid[] or bigint[]. psycopg adapts a list element by element in Python (~20 ms for 5,000
    UUIDs, and a bulk batch passes its ids several times); this is one join."""
    return "{" + ",".join(map(str, ids)) + "}"


def in_array(model: type[models.Model], name: str, ids: Sequence[Any]) -> RawSQL:
    """PostgreSQL filter on field `name` of `model`: its value is one of `ids`, given as one
    array constant. The planner then probes the column's index (or filters by a hashed
    lookup) whatever its row estimates, which lag far behind during a bulk load, where a
    join against a table of ids may be planned as a nested loop."""
    field = model._meta.get_field(name)
    stored = field.target_field if field.is_relation else field
    kind = "uuid" if isinstance(stored, models.UUIDField) else "bigint"
    q = connection.ops.quote_name
    column = f"{q(model._meta.db_table)}.{q(field.column)}"
    return RawSQL(f"{column} = ANY(%s::{kind}[])", (id_array(ids),), BooleanField())  # noqa: S611


class ProbeExists(Exists):
    """EXISTS that PostgreSQL evaluates as a per-row index probe, never as a hashed subplan.

    For a page of newest incidents the planner otherwise hashes *every* live permission row of
    the reader's groups before returning the first row (measured: ~10 ms for 19,000 shares,
    growing with them); probing the permission table's content_object index for the ~1,000
    rows a 5% reader's page scans costs ~2.5 ms. Negated, it is never an anti-join, which
    PostgreSQL planned as a nested loop over all of an agreement's grants when its statistics
    lagged (11 s per batch of 5,000). `OFFSET 0` keeps PostgreSQL from turning the EXISTS into
    a join; it changes nothing else (see bench/README.md).
    """

    template = "EXISTS(%(subquery)s OFFSET 0)"
