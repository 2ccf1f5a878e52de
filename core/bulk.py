"""Set-based inserts for the bulk paths (imports): `executemany` of one INSERT statement.

DESIGN (import): "SQLite: executemany in transactions; PostgreSQL: COPY".
Django's bulk_create prepares every value of every row through its field, which costs
more than the database does; here a caller passes values already in their database form
(`db_datetime`, `db_json`), and ids are looked up afterwards by a natural key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (tuples in the order of `columns`, the fields' column names) in one
    executemany, inside the caller's transaction."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream for all rows, the fastest way into PostgreSQL.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_json(value: Any) -> Any:
    return connection.ops.adapt_json_value(value, None)


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """UPDATE `columns` by primary key in one executemany: each row is the new values in
    the order of `columns`, then the id."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)  # noqa: S608
