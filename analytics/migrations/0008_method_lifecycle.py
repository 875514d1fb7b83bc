"""Method lifecycle: each method version's status changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0007_input_casualties_unknown_location_precision")]

    operations = []
