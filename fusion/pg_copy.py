"""Fast bulk writes on PostgreSQL with COPY (other databases fall back to bulk_create), and
the id-array condition the set-based bulk statements share.

For plain models (no field with its own database conversion, e.g. no encrypted fields):
values are taken as Python objects and adapted by psycopg; JSON fields are serialised here.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


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


def copy_insert(model: type[models.Model], objects: Sequence[models.Model]) -> int:
    """Insert `objects` (primary keys from the database) and return how many."""
    if not objects:
        return 0
    if not is_postgresql():
        model.objects.bulk_create(objects, batch_size=1000)
        return len(objects)
    fields = _fields(model)
    return copy_values(model, ({f.attname: getattr(o, f.attname) for f in fields} for o in objects))


def copy_values(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert rows given as {attname: value} for every non-primary-key field; no model
    instances are built on PostgreSQL (the expensive part of a bulk write in Python)."""
    fields = _fields(model)
    if not is_postgresql():
        objects = [model(**row) for row in rows]
        model.objects.bulk_create(objects, batch_size=1000)
        return len(objects)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    is_json = [isinstance(f, models.JSONField) for f in fields]
    names = [f.attname for f in fields]
    count = 0
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([
                _json(row[name]) if json_field else row[name]
                for name, json_field in zip(names, is_json, strict=True)
            ])  # fmt: skip
            count += 1
    return count


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, cls=DjangoJSONEncoder)
