"""Misuse and drift monitoring: what the checks found."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fusion", "0014_retention"), ("analytics", "0009_flag_acknowledgements")]

    operations = []
