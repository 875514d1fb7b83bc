"""The copy check (incidents.provenance) finds candidates through the place and time index
(migration 0008) and compares descriptions itself: no query reads incidents by fingerprint
any more, and every index slows each write."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0009_incident_fingerprint")]

    operations = [migrations.RemoveIndex(model_name="incident", name="incident_fingerprint_idx")]
