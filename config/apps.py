from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def private_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite creates its database (and WAL and shared-memory files) under the process's
    umask, readable by every local user under 022: only this user may read them."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
        try:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            continue


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the system checks)

        connection_created.connect(private_sqlite_files, dispatch_uid="private_sqlite_files")
