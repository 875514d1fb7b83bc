# Written by hand: the autodetector asks for settings.KNOX_TOKEN_MODEL, which is not set
# (knox's own token model is used), so the knox dependency is named directly.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import agencies.models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0001_initial'),
        ('knox', '0009_extend_authtoken_field'),
    ]

    operations = [
        migrations.AddField(
            model_name='serviceaccount',
            name='scopes',
            field=models.JSONField(default=agencies.models._default_scopes),
        ),
        migrations.CreateModel(
            name='CredentialAgency',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('session_key', models.CharField(blank=True, default='', max_length=40)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
                ('token', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', swappable=False, to='knox.authtoken')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['user', 'agency'], name='credential_agency_user_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('session_key', ''), ('token__isnull', False)), models.Q(('token__isnull', True), models.Q(('session_key', ''), _negated=True)), _connector='OR'), name='credential_agency_one_credential'), models.UniqueConstraint(condition=models.Q(('token__isnull', False)), fields=('token', 'agency'), name='credential_agency_token_uniq'), models.UniqueConstraint(condition=models.Q(('session_key', ''), _negated=True), fields=('session_key', 'agency'), name='credential_agency_session_uniq')],
            },
        ),
        migrations.CreateModel(
            name='TokenUse',
            fields=[
                ('token', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, swappable=False, to='knox.authtoken')),
                ('last_used_at', models.DateTimeField()),
            ],
        ),
    ]
