"""A migration operation that makes PostgreSQL itself refuse UPDATE and DELETE of a table.

SQLite relies on the model layer: its flush (used by transactional tests) deletes rows one
by one, which a trigger there would stop.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def refuse_changes(table: str, what: str) -> migrations.RunPython:
    """The operation for `table`; `what` names its rows in the database's error."""
    name = f"{table}_append_only"
    create = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
"""
    drop = f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"

    def run(sql: str) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql, params=None)

        return apply

    return migrations.RunPython(run(create), run(drop))
