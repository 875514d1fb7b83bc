"""Audit entries record the transaction that inserted them, so the chain is sealed in commit
order and an entry slipped in behind it shows (fusion.audit_chain).

On PostgreSQL a BEFORE INSERT trigger sets `xact` to the inserting transaction's id, whatever
the INSERT says: a role with INSERT alone cannot choose it. A statement trigger takes the
transaction id before the statement draws any entry id, so a genuine entry's id is always
drawn after its transaction id was given out. Entries written before keep 0 (no table
rewrite). The SQLite demo has no triggers; its entries keep 0.
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION fusion_audit_stamp_xact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.xact := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION fusion_audit_take_xact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN NULL;
END $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)
    schema_editor.execute(
        "CREATE TRIGGER fusion_auditentry_xact BEFORE INSERT ON fusion_auditentry "
        "FOR EACH ROW EXECUTE FUNCTION fusion_audit_stamp_xact()"
    )
    schema_editor.execute(
        "CREATE TRIGGER fusion_auditentry_xact_first BEFORE INSERT ON fusion_auditentry "
        "FOR EACH STATEMENT EXECUTE FUNCTION fusion_audit_take_xact()"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS fusion_auditentry_xact ON fusion_auditentry")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS fusion_auditentry_xact_first ON fusion_auditentry"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS fusion_audit_stamp_xact()")
    schema_editor.execute("DROP FUNCTION IF EXISTS fusion_audit_take_xact()")


class Migration(migrations.Migration):
    dependencies = [("fusion", "0007_audit_truncate_superuser_only")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="xact",
            field=models.BigIntegerField(default=0, editable=False, verbose_name="transaction id"),
        ),
        migrations.AddField(
            model_name="auditseal",
            name="xact",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditseal",
            name="next_xact",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["xact", "id"], name="audit_xact_idx"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
