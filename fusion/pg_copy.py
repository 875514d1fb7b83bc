"""Fast bulk writes on PostgreSQL with COPY (other databases fall back to bulk_create).

For plain models (no field with its own database conversion, e.g. no encrypted fields):
values are taken as Python objects and adapted by psycopg; JSON fields are serialised here.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


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
