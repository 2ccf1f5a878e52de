"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit log entries."""

from django.db import migrations

from core.appendonly import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [refuse_changes("core_auditentry", "audit log entries")]
