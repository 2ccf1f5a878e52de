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


def in_query(sql: str, params: Sequence[Any], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`sql`, whose last condition is a column followed by `{in_}`, made for the given
    `values`: `= ANY(%s)` with one array on PostgreSQL, `IN (%s, ...)` on SQLite. For the
    bulk paths, where the ORM's per-value preparation of a 2,000-value `IN` costs more than
    the query itself."""
    if connection.vendor == "postgresql":
        return sql.format(in_="= ANY(%s)"), [*params, list(values)]
    marks = ", ".join(["%s"] * len(values))
    return sql.format(in_=f"IN ({marks})"), [*params, *values]


def select_in(sql: str, params: Sequence[Any], values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `in_query(sql, params, values)`; none for no values."""
    if not values:
        return []
    text, args = in_query(sql, params, values)
    with connection.cursor() as cursor:
        cursor.execute(text, args)
        return cursor.fetchall()


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
