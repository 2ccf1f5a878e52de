"""Settings refuse bad values loudly; system checks catch a bad base URL (STYLE 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from config import checks
from config.env import env_bool, env_int, env_list, env_str, env_url
from config.settings import _database


def test_env_bool_accepts_clear_words_only(monkeypatch) -> None:
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch) -> None:
    monkeypatch.setenv("X_NUM", "12")
    assert env_int("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_NUM", 1, minimum=1)


def test_env_url_and_list(monkeypatch) -> None:
    monkeypatch.setenv("X_URL", "ftp://example.org")
    with pytest.raises(ImproperlyConfigured, match="X_URL"):
        env_url("X_URL")
    monkeypatch.setenv("X_URL", "https://news.example.org")
    assert env_url("X_URL") == "https://news.example.org"
    monkeypatch.setenv("X_LIST", " a.example, b.example ,,")
    assert env_list("X_LIST") == ["a.example", "b.example"]


def test_secrets_can_come_from_files(monkeypatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        env_str("X_SECRET")


def test_database_url_selects_postgresql_or_refuses() -> None:
    assert _database("")["ENGINE"] == "django.db.backends.sqlite3"
    pg = _database("postgresql://app:s%40cret@db.internal:5433/consentry")
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "consentry",
        "app",
        "s@cret",
        "db.internal",
        "5433",
    )
    with pytest.raises(ImproperlyConfigured, match="only postgresql"):
        _database("mysql://x@y/z")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        _database("postgresql://x@y/")


def test_the_sqlite_default_runs_in_wal_mode_with_a_busy_timeout() -> None:
    options = _database("")["OPTIONS"]
    assert (
        "journal_mode=WAL" in options["init_command"] and "busy_timeout" in options["init_command"]
    )


@override_settings(BASE_URL="https://news.example.org", ALLOWED_HOSTS=["127.0.0.1"])
def test_the_check_refuses_a_base_url_host_that_is_not_allowed() -> None:
    assert [e.id for e in checks.check_allowed_hosts()] == ["consentry.E004"]


@override_settings(BASE_URL="news.example.org/path")
def test_the_check_refuses_a_relative_base_url() -> None:
    assert [e.id for e in checks.check_base_url()] == ["consentry.E001"]


@override_settings(BASE_URL="http://news.example.org", ALLOWED_HOSTS=["news.example.org"])
def test_the_check_warns_about_plain_http_on_a_public_host() -> None:
    assert [e.id for e in checks.check_base_url()] == ["consentry.W001"]
    assert checks.check_allowed_hosts() == []


def test_a_secret_key_is_generated_once_into_the_var_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CONSENTRY_SECRET_KEY", "DATABASE_URL")}
    env["CONSENTRY_VAR_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    run = [
        sys.executable,
        "-c",
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        f"django.setup(); {code}",
    ]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.strip()
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert len(first) >= 50 and first == second
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    env["CONSENTRY_SECRET_KEY"] = "short"
    bad = subprocess.run(run, env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "at least 32" in bad.stderr
