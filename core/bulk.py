"""Set-based inserts for the bulk paths (imports): `executemany` of one INSERT statement.

DESIGN (import): "SQLite: executemany in transactions; PostgreSQL: COPY".
Django's bulk_create prepares every value of every row through its field, which costs
more than the database does; here a caller passes values already in their database form
(`db_datetime`, `db_json`), and ids are looked up afterwards by a natural key.
"""

from __future__ import annotations

import json
import sqlite3
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


def insert_new_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """`insert_rows`, leaving out the rows a unique constraint already has (ON CONFLICT DO
    NOTHING, on both databases): one executemany, for the few hundred rows of a batch."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks}) "  # noqa: S608
            "ON CONFLICT DO NOTHING",
            rows,
        )


def probe_query(
    model: type[models.Model],
    column: str,
    values: Sequence[Any],
    *,
    where: str = "",
    params: Sequence[Any] = (),
    select: str = "t.*",
    select_params: Sequence[Any] = (),
) -> tuple[str, list[Any]]:
    """A query for the rows `t` of `model` whose `column` is one of `values` and that
    match `where` (a condition on `t`'s columns, with `params`), as `select` (with
    `select_params`), made to look each value up in an index that starts with `column`,
    however stale the planner's statistics are.

    PostgreSQL: a lateral probe per value, fenced (`OFFSET 0`) so the planner cannot turn
    it into a join that reads the table; `where` filters the probe's rows outside the
    fence. Inside it, the value is the only condition, so only an index that starts with
    `column` can serve it: with `account_id = %s` inside, statistics from before an import
    (the account had a handful of contacts) made the planner look up the account's
    contacts through (account, status) and filter them by hash, a read of every contact
    of the account for each value. As `= ANY(array)` it read them once per batch. SQLite:
    `IN (...)`, which its planner always looks up in the index."""
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        kind = (
            "bigint" if field.get_internal_type().endswith(("AutoField", "ForeignKey")) else "text"
        )
        # The values as one comma-separated text when none holds a comma (keyed hashes,
        # ids): Django's client-side binding quotes an array element by element, which
        # cost a tenth of an import's time on PostgreSQL; one string is quoted at once.
        texts = [str(v) for v in values]
        arg: str | list[Any]
        if any("," in text for text in texts):
            array, arg = f"%s::{kind}[]", list(values)
        else:
            array, arg = f"string_to_array(%s, ',')::{kind}[]", ",".join(texts)
        sql = (
            f"SELECT {select} FROM unnest({array}) AS probe(v) CROSS JOIN LATERAL "  # noqa: S608
            f"(SELECT * FROM {table} WHERE {name} = probe.v OFFSET 0) t"
        )
        return (f"{sql} WHERE {where}" if where else sql), [*select_params, arg, *params]
    marks = ", ".join(["%s"] * len(values))
    condition = f"({where}) AND " if where else ""
    return (
        f"SELECT {select} FROM {table} AS t WHERE {condition}{name} IN ({marks})",  # noqa: S608
        [*select_params, *params, *values],
    )


def probe(
    model: type[models.Model], column: str, values: Sequence[Any], **options: Any
) -> list[tuple[Any, ...]]:
    """The rows of `probe_query` (same arguments); none for no values. On SQLite the
    query goes to the driver with its own `?` marks: Django's translation of a batch's
    20,000 `%s` marks (a regular expression over the whole text) cost more than the
    lookups of a small batch."""
    if not values:
        return []
    sql, args = probe_query(model, column, values, **options)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            driver = cursor.cursor
            # The same text Django would make: no probe has a literal "%".
            return sqlite3.Cursor.execute(driver, sql.replace("%s", "?"), args).fetchall()
        cursor.execute(sql, args)
        return cursor.fetchall()


def db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_json(value: Any) -> Any:
    return connection.ops.adapt_json_value(value, None)


def json_text(value: Any) -> str:
    """A JSON column's value as the text both databases take in a bulk insert (SQLite's
    executemany, PostgreSQL's COPY): what `db_json` stores, without its per-value
    adaptation, for plain dicts of strings."""
    return json.dumps(value) if value else "{}"


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`, for rows a bulk insert writes with their ids
    (no read-back by natural key). PostgreSQL: from the table's sequence, safe with other
    writers. SQLite: after the highest id ever given (AUTOINCREMENT's counter included);
    the caller's transaction holds the write lock from its start (IMMEDIATE), so no other
    writer can take them."""
    if count <= 0:
        return []
    quote = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"coalesce((SELECT max({quote(pk)}) FROM {quote(table)}), 0))",
            [table],
        )
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


UPDATE_ROWS = 1000  # rows per UPDATE … FROM (VALUES …) on PostgreSQL


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """UPDATE `columns` by primary key: each row is the new values in the order of
    `columns`, then the id. PostgreSQL: one `UPDATE … FROM (VALUES …)` per 1,000 rows
    (as an executemany it took ~90 µs a row, a round trip each); SQLite: executemany,
    which stays in the process."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)  # noqa: S608
            return
        # A column of parameters is typed from its values (a NULL alone would be text):
        # each is cast to its column's type.
        fields = {f.column: f for f in model._meta.concrete_fields}
        types = [fields[c].db_type(connection) for c in columns]
        names = [f"c{i}" for i in range(len(columns))]
        sets = ", ".join(
            f"{quote(c)} = CAST(v.{n} AS {t})"
            for c, n, t in zip(columns, names, types, strict=True)
        )
        line = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        for start in range(0, len(rows), UPDATE_ROWS):
            part = rows[start : start + UPDATE_ROWS]
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([line] * len(part))}) "  # noqa: S608
                f"AS v({', '.join(names)}, pk) WHERE {table}.{pk} = CAST(v.pk AS bigint)",
                [value for row in part for value in row],
            )


_INSERTS: dict[tuple[type[models.Model], str], tuple[str, list[models.Field[Any, Any]]]] = {}


def insert_one(obj: models.Model) -> None:
    """INSERT `obj` as a new row and set its id, inside the caller's transaction: what
    `save()` writes, with the statement built once per model instead of on every call
    (which cost twice the database's work on the inbound listener's path). No signals
    are sent: only for models no receiver listens to."""
    model = type(obj)
    key = (model, connection.vendor)
    if key not in _INSERTS:
        fields = [f for f in model._meta.concrete_fields if f is not model._meta.pk]
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        _INSERTS[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks}) "  # noqa: S608
            f"RETURNING {quote(model._meta.pk.column)}",
            fields,
        )
    sql, fields = _INSERTS[key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
