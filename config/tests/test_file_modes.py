"""Files of the platform are private to its user: var/ 0700, the SQLite database 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(var: Path, code: str) -> None:
    """Python code in a fresh process whose var directory is `var` (and SQLite its database)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONSENTRY_VAR_DIR")}
    env["CONSENTRY_VAR_DIR"] = str(var)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=300)


def test_a_fresh_var_directory_and_database_are_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    _run(
        var,
        "import os; os.umask(0o022); "
        "from config.cli import main; main(['consentry', 'migrate', '-v0'])",
    )
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    database = var / "consentry.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for extra in (var / "consentry.sqlite3-wal", var / "consentry.sqlite3-shm"):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600


def test_an_existing_open_var_directory_is_closed(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    os.chmod(var, 0o755)  # noqa: S103 (the state of an install before this change)
    _run(
        var,
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "django.setup()",
    )
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
