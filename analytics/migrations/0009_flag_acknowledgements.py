"""Flags people act on: acknowledgements and outcomes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0008_method_lifecycle")]

    operations = []
