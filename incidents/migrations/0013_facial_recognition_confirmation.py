"""Facial recognition outside protected contexts: authorisation and confirmation.

Persons gain the reference of the authorisation facial recognition was used under, the user
who recorded them and the second user who confirmed them. Persons from facial recognition
stored before this migration have neither: they stay unconfirmed (their owner's alone) until
a user of the owning agency records their authorisation and another confirms them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0012_casualties_unknown_location_precision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="authorisation_ref",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="person",
            name="recorded_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="confirmed_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
