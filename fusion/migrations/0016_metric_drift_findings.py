"""Monitoring findings of a new kind: flags wrong more often than their method promised."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("fusion", "0015_read_monitoring")]

    operations = [
        migrations.AlterField(
            model_name="monitorfinding",
            name="kind",
            field=models.CharField(
                choices=[
                    ("unusual_reads", "Unusual reads"),
                    ("bias_drift", "Bias drift"),
                    ("metric_drift", "Metric drift"),
                ],
                max_length=20,
            ),
        ),
    ]
