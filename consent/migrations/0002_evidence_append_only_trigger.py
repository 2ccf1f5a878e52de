"""On PostgreSQL the database itself refuses UPDATE and DELETE of evidence (CONSENT-2).

SQLite relies on the model layer: its flush (used by transactional tests) deletes rows
one by one, which a trigger there would stop.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION consent_evidence_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evidence records are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_evidence_append_only
    BEFORE UPDATE OR DELETE ON consent_evidencerecord
    FOR EACH ROW EXECUTE FUNCTION consent_evidence_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS consent_evidence_append_only ON consent_evidencerecord;
DROP FUNCTION IF EXISTS consent_evidence_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
