from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_scopes_as_json")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(default="en", max_length=8),
        ),
    ]
