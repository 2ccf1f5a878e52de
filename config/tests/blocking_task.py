"""A task for the worker crash test: it waits on a row lock the test holds."""

from __future__ import annotations

from django.db import connection
from django_tasks import task


@task()
def block() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM reaper_lock WHERE id = 1 FOR UPDATE")
