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
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "config.cli", "up", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
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
    assert "consentry stopped." in output
    # Nothing of the process group is left running.
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
