"""Flags people act on: acknowledgements and outcomes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("hotspots", "Hotspots (Getis-Ord Gi*)"),
    ("surges", "Surges per district and category"),
    ("forecast", "Next-period risk forecast"),
    ("links", "Cross-agency duplicate reports"),
]
ACTIONS = [("patrol", "Patrol"), ("inquiry", "Inquiry"), ("none", "None (with a reason)")]
SOURCES = [("computed", "Computed from later incidents"), ("recorded", "Recorded by a person")]


def _user_fk() -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_scopes_as_json"),
        ("analytics", "0008_method_lifecycle"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Flag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(choices=KINDS, max_length=12)),
                ("key", models.CharField(max_length=200)),
                ("district", models.CharField(blank=True, max_length=100)),
                ("place", models.JSONField(default=dict)),
                ("period_start", models.DateTimeField(blank=True, null=True)),
                ("period_end", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField()),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                ("action", models.CharField(blank=True, choices=ACTIONS, max_length=8)),
                ("reason", models.TextField(blank=True)),
                ("outcome", models.BooleanField(blank=True, null=True)),
                ("outcome_source", models.CharField(blank=True, choices=SOURCES, max_length=8)),
                ("outcome_incidents", models.PositiveIntegerField(blank=True, null=True)),
                ("outcome_at", models.DateTimeField(blank=True, null=True)),
                ("outcome_note", models.TextField(blank=True)),
                ("outcome_error", models.TextField(blank=True)),
                ("acknowledged_by", _user_fk()),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="flags",
                        to="analytics.assessment",
                    ),
                ),
                ("outcome_by", _user_fk()),
            ],
            options={
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["agency", "created_at"], name="flag_agency_created_idx"),
                    models.Index(fields=["outcome_at"], name="flag_outcome_at_idx"),
                    models.Index(fields=["acknowledged_at"], name="flag_acknowledged_at_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assessment", "key"), name="flag_assessment_key_uniq"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("acknowledged_at__isnull", True), ("action", "")),
                            models.Q(
                                ("acknowledged_at__isnull", False),
                                models.Q(("action", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="flag_acknowledged_with_action",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("outcome__isnull", True),
                            ("outcome_at__isnull", False),
                            _connector="OR",
                        ),
                        name="flag_outcome_dated",
                    ),
                ],
            },
        ),
    ]
