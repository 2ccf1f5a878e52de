"""Real peers for the feedback tests: `inbound`, the product's own inbound SMTP listener on a
free loopback port (tests that use it need django_db(transaction=True): it writes from its
own thread); and `mail_server`, a real IMAP and POP3 server for the mailbox poller: Dovecot
(Debian's dovecot-imapd and dovecot-pop3d), run in the foreground from a configuration in
a temporary directory, with one mailbox `bounces` / `secret`."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from domains.testing import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "secret"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
first_valid_uid = 1
first_valid_gid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""


@pytest.fixture
def inbound() -> Iterator[Controller]:
    """`consentry inbound`'s listener, started on a free port for one test."""
    from feedback.inbound import listener

    controller = listener("127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


@dataclass(frozen=True)
class MailServer:
    imap_port: int
    pop3_port: int

    def url(self, scheme: str) -> str:
        port = self.imap_port if scheme == "imap" else self.pop3_port
        return f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}" + (
            "/INBOX" if scheme == "imap" else ""
        )


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    if not Path(DOVECOT).exists():
        reason = "no Dovecot (Debian packages dovecot-imapd, dovecot-pop3d)"
        if os.environ.get("CONSENTRY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CI needs every real peer, but {reason}")
        pytest.skip(reason)
    # Dovecot's own processes (user dovecot) read the password file and the mail there: not
    # inside pytest's private temporary directory.
    root = Path(tempfile.mkdtemp(prefix="consentry-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(parents=True)
    shutil.chown(root / "mail", "dovecot", "dovecot")
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="ascii")
    server = MailServer(free_port(), free_port())
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(root=root, imap=server.imap_port, pop3=server.pop3_port), encoding="ascii"
    )
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    try:
        import socket

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", server.imap_port), timeout=1).close()
                socket.create_connection(("127.0.0.1", server.pop3_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.25)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)
