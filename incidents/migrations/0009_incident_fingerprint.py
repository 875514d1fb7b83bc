"""Each incident's fingerprint (incidents.rules.event_fingerprint), filled for stored rows, with
the index the copy check (incidents.provenance) probes by."""

from django.db import migrations, models

from incidents.rules import event_fingerprint

CHUNK = 2000


def fill(apps, schema_editor):
    incident_model = apps.get_model("incidents", "Incident")
    rows = incident_model.objects.only(
        "id", "occurred_at", "latitude", "longitude", "category_id", "description"
    ).order_by("pk")
    batch = []
    for incident in rows.iterator(chunk_size=CHUNK):
        incident.fingerprint = event_fingerprint(
            occurred_at=incident.occurred_at,
            latitude=incident.latitude,
            longitude=incident.longitude,
            category=incident.category_id,
            description=incident.description,
        )
        batch.append(incident)
        if len(batch) >= CHUNK:
            incident_model.objects.bulk_update(batch, ["fingerprint"])
            batch = []
    incident_model.objects.bulk_update(batch, ["fingerprint"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_incident_place_time_index")]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="fingerprint",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["fingerprint"], name="incident_fingerprint_idx"),
        ),
    ]
