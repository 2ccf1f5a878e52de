# The sandbox mailbox's captured messages belong to the carrier app now; the table moves
# with them in carrier's first migration.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0004_ledger_campaign_state'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='CapturedMessage')],
            database_operations=[],
        ),
    ]
