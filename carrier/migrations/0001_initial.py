# The captured messages come over from the delivery app with their rows: the model is taken
# into this app's state as it was (its table named as before), then the table is renamed.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('delivery', '0005_captured_message_to_carrier'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CapturedMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('mail_from', models.CharField(blank=True, max_length=500)),
                        ('rcpt_to', models.JSONField(default=list)),
                        ('raw', models.BinaryField()),
                        ('size', models.PositiveIntegerField(default=0)),
                        ('subject', models.CharField(blank=True, max_length=500)),
                        ('message_id', models.CharField(blank=True, max_length=500)),
                        ('kind', models.CharField(choices=[('transactional', 'transactional'), ('campaign', 'campaign')], default='transactional', max_length=20)),
                        ('tags', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='captured_messages', to='accounts.account')),
                    ],
                    options={
                        'verbose_name': 'captured message',
                        'db_table': 'delivery_capturedmessage',
                        'indexes': [models.Index(fields=['account', '-created_at', '-id'], name='captured_account_newest'), models.Index(fields=['-created_at', '-id'], name='captured_newest')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='capturedmessage', table=None),
    ]
