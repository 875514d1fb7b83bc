"""Match hints (fusion.match_hints): they outlive their incidents, remember which agency found
them and whether they were withheld from it, and carry a band rather than a graded score."""

import django.db.models.deletion
from django.db import migrations, models


def bands(apps, schema_editor):
    Match = apps.get_model("fusion", "Match")
    Match.objects.filter(kind="event").update(score=0.5)
    Match.objects.filter(kind="person").update(score=1.0)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("fusion", "0008_audit_commit_order"),
        ("incidents", "0008_incident_place_time_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="match",
            name="incident_a",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="incidents.incident",
            ),
        ),
        migrations.AlterField(
            model_name="match",
            name="incident_b",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="incidents.incident",
            ),
        ),
        migrations.AddField(
            model_name="match",
            name="found_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AddField(
            model_name="match",
            name="withheld",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(fields=["found_by", "created_at"], name="match_budget_idx"),
        ),
        migrations.RunPython(bands, migrations.RunPython.noop),
    ]
