"""Retention: periods per category, legal holds, anonymisation runs."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("fusion", "0013_complaint_secret_and_response"),
        ("incidents", "0013_facial_recognition_confirmation"),
    ]

    operations = []
