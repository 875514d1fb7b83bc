"""The index deconfliction probes for incidents near a place and time (PostgreSQL only).

Keyed by the 1/20-degree cell of latitude and of longitude, then time: a new incident probes
the few cells its ±2 km box touches for ±6 h (fusion.matching, PLACE_CELLS_PER_DEGREE), rather
than every incident of the province in that time window. SQLite (the embedded demo) matches
without it.
"""

from django.db import migrations

INDEX = "incident_place_time_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON incidents_incident "
            "((floor(latitude * 20)), (floor(longitude * 20)), occurred_at)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_incident_lead_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
