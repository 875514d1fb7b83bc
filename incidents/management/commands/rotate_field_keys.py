"""Re-encrypt every encrypted field (persons, complaints) under the current (first) key."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from fusion import audit
from fusion.crypto import EncryptedTextField, current_key_id, key_id_of
from fusion.progress import ProgressBar

BATCH = 500


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every model with encrypted fields, and those fields."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = (
        "Re-encrypt encrypted fields (persons, complaints) still under an older key. Run after "
        "putting a new key first in FIELD_ENCRYPTION_KEYS; afterwards the old key can go."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        current = current_key_id()
        with audit.acting(component="command"):
            for model, fields in encrypted_models():
                self._rotate_model(model, fields, current)

    def _rotate_model(
        self, model: type[models.Model], fields: list[EncryptedTextField], current: str
    ) -> None:
        total = model.objects.count()
        label = str(model._meta.verbose_name_plural)
        bar = ProgressBar(total, stream=self.stdout, label=label)
        rotated, last_pk = 0, ""
        while batch := self._batch(model, fields, last_pk):
            with transaction.atomic():
                rotated += sum(self._rotate(model, row, fields, current) for row in batch)
            last_pk = batch[-1][0]
            bar.advance(len(batch))
        bar.finish()
        audit.log_event(
            event="crypto.rotate_field_keys",
            model=model,
            object_repr=label,
            details={"rotated": rotated, "checked": total, "key_id": current},
        )
        self.stdout.write(f"re-encrypted {rotated} of {total} {label} under key {current!r}")

    @staticmethod
    def _batch(model: type[models.Model], fields: list[EncryptedTextField], after: str) -> list:
        # Raw SQL: the ORM would decrypt on read and encrypt again on write.
        q = connection.ops.quote_name
        columns = ", ".join(q(f.column) for f in fields)
        table, pk = q(model._meta.db_table), q(model._meta.pk.column)
        sql = f"SELECT CAST({pk} AS TEXT), {columns} FROM {table} WHERE CAST({pk} AS TEXT) > %s ORDER BY CAST({pk} AS TEXT) LIMIT %s"  # noqa: S608, E501 - names quoted, values bound
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, BATCH])
            return cursor.fetchall()

    @staticmethod
    def _rotate(
        model: type[models.Model], row: tuple, fields: list[EncryptedTextField], current: str
    ) -> int:
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
        table, key = q(model._meta.db_table), q(model._meta.pk.column)
        sql = f"UPDATE {table} SET {assignments} WHERE CAST({key} AS TEXT) = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*updates.values(), pk])
        return 1
