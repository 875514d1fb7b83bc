"""Service-account scopes are a JSON list (0002 as it now stands). A PostgreSQL database that
applied an earlier 0002, which made them a text array, has its column converted here; every
other database already has the JSON column and is left as it is."""

from django.db import migrations

ARRAY_TO_JSON = """
ALTER TABLE agencies_serviceaccount
    ALTER COLUMN scopes DROP DEFAULT,
    ALTER COLUMN scopes TYPE jsonb USING to_jsonb(scopes)
"""


def to_json(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = 'agencies_serviceaccount' AND column_name = 'scopes'"
        )
        row = cursor.fetchone()
        if row and row[0] == "ARRAY":
            cursor.execute(ARRAY_TO_JSON)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_credentials_and_scopes")]

    operations = [migrations.RunPython(to_json, migrations.RunPython.noop)]
