"""What the PostgreSQL page benchmarks (bench/operator.py, bench/reports.py) share: plain SQL
for seeding and counting, the providers their addresses are spread over, and the timer
that prints a page's best and median time. Imported after django.setup()."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

RUNS = 7
PROVIDERS = [
    "gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "yahoo.com", "orange.fr",
    "example.org",
]  # fmt: skip


def sql(statement: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.fetchone()[0])


def rows(statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params) or None)
        return list(cursor.fetchall())


def timed(label: str, work: Callable[[], object], runs: int = RUNS) -> float:
    """Run `work` `runs` times; print the best and the median, return the median (s)."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    best, median = min(seconds), statistics.median(seconds)
    print(f"{label}: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms", flush=True)
    return median


def insert_rows(
    model: Any,
    values: dict[str, str],
    source: str,
    params: list[Any] | None = None,
    source_params: list[Any] | None = None,
) -> int:
    """INSERT INTO the model's table SELECT the `values` (column: SQL expression, with
    `params`) FROM `source` (with `source_params`); every other column gets its field's
    default, so a column added to the model later does not break the seeding."""
    columns = list(values)
    exprs = [values[c] for c in columns]
    defaults = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in values:
            continue
        columns.append(field.column)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            exprs.append("now()")
            continue
        default = None if field.null and not field.has_default() else field.get_default()
        exprs.append("%s")
        defaults.append(field.get_db_prep_save(default, connection))
    statement = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)})"  # noqa: S608
        f" SELECT {', '.join(exprs)} FROM {source}"
    )
    return sql(statement, [*(params or []), *defaults, *(source_params or [])])
