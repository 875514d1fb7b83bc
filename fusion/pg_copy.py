"""Fast bulk writes on PostgreSQL with COPY; other databases fall back to bulk_create.

For plain models (no field with its own database conversion, e.g. no encrypted fields):
values are taken as Python objects and adapted by psycopg; JSON fields are serialised here.
"""

import json
from collections.abc import Sequence

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
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row([_value(obj, f) for f in fields])
    return len(objects)


def _value(obj: models.Model, field: models.Field) -> object:
    value = getattr(obj, field.attname)
    if isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, cls=DjangoJSONEncoder)
    return value
