"""Match hints are budgeted per agency that receives them, not per agency whose write found
them: each side of a hint is withheld on its own (fusion.match_hints)."""

from django.db import migrations, models


def sides(apps, schema_editor):
    Match = apps.get_model("fusion", "Match")
    Match.objects.filter(withheld=True, found_by=models.F("agency_a")).update(withheld_a=True)
    Match.objects.filter(withheld=True, found_by=models.F("agency_b")).update(withheld_b=True)


class Migration(migrations.Migration):
    dependencies = [("fusion", "0010_purpose_codes")]

    operations = [
        migrations.AddField(
            model_name="match", name="withheld_a", field=models.BooleanField(default=False)
        ),
        migrations.AddField(
            model_name="match", name="withheld_b", field=models.BooleanField(default=False)
        ),
        migrations.RunPython(sides, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="match", name="match_budget_idx"),
        migrations.RemoveField(model_name="match", name="withheld"),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(fields=["agency_a", "created_at"], name="match_side_a_idx"),
        ),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(fields=["agency_b", "created_at"], name="match_side_b_idx"),
        ),
    ]
