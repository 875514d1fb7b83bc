"""Facial recognition outside protected contexts: authorisation and confirmation."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_casualties_unknown_location_precision")]

    operations = []
