"""Purpose codes (fusion.purpose): the managed list, seeded with the purposes of law-enforcement
processing, and the code and case reference of shares and access requests. Earlier shares and
requests stated their purpose in words only: their code is `other`."""

from django.db import migrations, models

# The purposes of processing under the Law Enforcement Directive (Art. 1(1)) and UK DPA 2018
# Part 3, and the checks on processing itself (LED Art. 25, DPA s.62: the justification of
# every consultation and disclosure is logged).
CODES = [
    ("investigation", "Investigation", "Detecting or investigating a criminal offence."),
    ("prosecution", "Prosecution", "Preparing or supporting the prosecution of an offence."),
    (
        "threat_assessment",
        "Threat assessment",
        "Assessing or preventing a threat to public security or to a person.",
    ),
    (
        "deconfliction",
        "Deconfliction",
        "Establishing whether another agency is working on the same event or person.",
    ),
    (
        "safeguarding",
        "Safeguarding",
        "Protecting a victim, a witness or another person at risk.",
    ),
    ("penalties", "Execution of penalties", "Executing a criminal penalty or a court order."),
    (
        "audit",
        "Audit",
        "Checking the lawfulness, integrity or quality of processing (self-monitoring).",
    ),
    ("oversight", "Oversight", "Supervision by an oversight body, or handling a complaint."),
    ("other", "Other", "Another lawful purpose, stated in words; also purposes stated without a code."),
]


def seed(apps, schema_editor):
    PurposeCode = apps.get_model("fusion", "PurposeCode")
    for code, name, description in CODES:
        PurposeCode.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("fusion", "0009_match_hints"),
    ]

    operations = [
        migrations.CreateModel(
            name="PurposeCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=40, unique=True)),
                ("name", models.CharField(max_length=100)),
                ("description", models.TextField(blank=True)),
                ("active", models.BooleanField(default=True)),
            ],
            options={"ordering": ["code"]},
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="case_ref",
            field=models.CharField(blank=True, db_default="", default="", max_length=100),
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="purpose_code",
            field=models.CharField(db_default="other", default="other", max_length=40),
        ),
        migrations.AddField(
            model_name="sharegrant",
            name="case_ref",
            field=models.CharField(blank=True, db_default="", default="", max_length=100),
        ),
        migrations.AddField(
            model_name="sharegrant",
            name="purpose_code",
            field=models.CharField(db_default="other", default="other", max_length=40),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
