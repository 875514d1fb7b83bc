"""Method lifecycle: each method version's status changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("analytics", "0007_input_casualties_unknown_location_precision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MethodStatusChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("hotspots", "Hotspots (Getis-Ord Gi*)"),
                            ("surges", "Surges per district and category"),
                            ("forecast", "Next-period risk forecast"),
                            ("links", "Cross-agency duplicate reports"),
                        ],
                        max_length=12,
                    ),
                ),
                ("version", models.CharField(max_length=20)),
                ("number", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("suspended", "Suspended"),
                            ("retired", "Retired"),
                        ],
                        max_length=10,
                    ),
                ),
                ("rationale", models.TextField()),
                ("at", models.DateTimeField()),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
            ],
            options={
                "ordering": ["method", "version", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("method", "version", "number"), name="method_status_change_seq"
                    )
                ],
            },
        ),
    ]
