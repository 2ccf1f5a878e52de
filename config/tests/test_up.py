"""`consentry up` on a fresh var directory: serves the login page, the admin and inbound SMTP,
stops cleanly."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(command: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The command in a process group of its own, its output captured."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _get(url: str, *, timeout: float = 5) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return response.status, response.read().decode()


def test_up_serves_login_and_admin_and_stops_on_sigterm(tmp_path: Path) -> None:
    port, inbound_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "CONSENTRY_VAR_DIR": str(tmp_path),
            "CONSENTRY_LISTEN": f"127.0.0.1:{port}",
            "CONSENTRY_BASE_URL": f"http://127.0.0.1:{port}",
            "CONSENTRY_OPERATOR_PASSWORD": "a long operator password 1",
            "CONSENTRY_WEB_WORKERS": "1",
            "CONSENTRY_INBOUND_LISTEN": f"127.0.0.1:{inbound_port}",
        }
    )
    env.pop("CONSENTRY_SMTP_URL", None)
    proc = _start([sys.executable, "-m", "config.cli", "up", "--demo"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = _get(f"{base}/admin/login/")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200, "the admin login page was not served"
        assert "csrfmiddlewaretoken" in body
        status, body = _get(f"{base}/login/")
        assert status == 200 and 'name="password"' in body
        assert _get(f"{base}/api/v1/openapi.json")[0] == 200
        # The inbound SMTP listener (UNSUB-3) answers too, once it has started.
        reply = 0
        while time.monotonic() < deadline and proc.poll() is None and not reply:
            try:
                with smtplib.SMTP("127.0.0.1", inbound_port, timeout=10) as smtp:
                    reply = smtp.noop()[0]
            except OSError:
                time.sleep(0.3)
        assert reply == 250, "the inbound SMTP listener did not answer"
        assert (tmp_path / "consentry.sqlite3").exists() and (tmp_path / "secret_key").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "Operator user created: operator" in output
    assert "Demo account 'demo' created" in output
    # Without an SMTP relay the demo can send: its domain is verified in the sandbox DNS.
    assert "sender domain news.demo.example: verified in the sandbox DNS" in output
    assert "consentry stopped." in output
    # Nothing of the process group is left running.
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)


@pytest.mark.parametrize(("timeout", "answered"), [(1, False), (10, True)])
def test_up_a_web_request_may_take_as_long_as_the_timeout_says(
    settings: Any, timeout: int, answered: bool
) -> None:
    """A large import file is checked in its upload's request: gunicorn's default of 30 s
    stopped the web process of a million-row Excel sheet's upload, and the user got an
    error instead of the next step. `CONSENTRY_WEB_TIMEOUT` (300 s unless set) is the
    limit gunicorn is given."""
    from config.management.commands.up import web_command
    from config.tests import slow_wsgi

    port = _free_port()
    settings.LISTEN, settings.WEB_WORKERS, settings.WEB_TIMEOUT = f"127.0.0.1:{port}", 1, timeout
    # The request takes 3 s: longer than a timeout of 1 s, shorter than one of 10 s.
    assert (timeout < slow_wsgi.SECONDS) is not answered
    proc = _start(web_command(app="config.tests.slow_wsgi:app"))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        try:
            status, body = _get(f"http://127.0.0.1:{port}/", timeout=30)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, ""
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    if answered:
        assert (status, body) == (200, "slow but whole")
        assert "WORKER TIMEOUT" not in output
    else:
        assert status == 500 and "WORKER TIMEOUT" in output
