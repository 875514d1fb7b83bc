"""Re-encrypt every encrypted person field under the current (first) key."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from fusion import audit
from fusion.progress import ProgressBar
from incidents.crypto import EncryptedTextField, current_key_id, key_id_of
from incidents.models import Person

BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt person fields still under an older key. Run after putting a new key first "
        "in FIELD_ENCRYPTION_KEYS; afterwards the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        fields = [f for f in Person._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        current = current_key_id()
        total = Person.objects.count()
        bar = ProgressBar(total, stream=self.stdout, label="persons")
        rotated, last_pk = 0, ""
        with audit.acting(component="command"):
            while batch := self._batch(fields, last_pk):
                with transaction.atomic():
                    rotated += sum(self._rotate(row, fields, current) for row in batch)
                last_pk = batch[-1][0]
                bar.advance(len(batch))
            bar.finish()
            audit.log_event(
                event="crypto.rotate_field_keys",
                model=Person,
                object_repr="persons",
                details={"rotated": rotated, "checked": total, "key_id": current},
            )
        self.stdout.write(f"re-encrypted {rotated} of {total} persons under key {current!r}")

    def _batch(self, fields: list[EncryptedTextField], after: str) -> list[tuple]:
        # Raw SQL: the ORM would decrypt on read and encrypt again on write.
        q = connection.ops.quote_name
        columns = ", ".join(q(f.column) for f in fields)
        table = q(Person._meta.db_table)
        sql = f"SELECT CAST(id AS TEXT), {columns} FROM {table} WHERE CAST(id AS TEXT) > %s ORDER BY CAST(id AS TEXT) LIMIT %s"  # noqa: S608, E501 - names quoted, values bound
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, BATCH])
            return cursor.fetchall()

    def _rotate(self, row: tuple, fields: list[EncryptedTextField], current: str) -> int:
        pk, *stored = row
        updates = {
            field.column: field.reencrypt(value)
            for field, value in zip(fields, stored, strict=True)
            if value and key_id_of(value) != current
        }
        if not updates:
            return 0
        q = connection.ops.quote_name
        assignments = ", ".join(f"{q(column)} = %s" for column in updates)
        sql = f"UPDATE {q(Person._meta.db_table)} SET {assignments} WHERE CAST(id AS TEXT) = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*updates.values(), pk])
        return 1
