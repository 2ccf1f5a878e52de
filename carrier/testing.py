"""Test fixtures for outbound mail: a real SMTP server on loopback, and the sandbox outbox.

    def test_it_sends(smtp_server, settings):
        settings.SMTP_URL = smtp_server.url()
        ...
        assert smtp_server.messages[0].rcpt_tos == ["kunde@example.de"]

`smtp_server` is an aiosmtpd server on 127.0.0.1 at a free port that records each message
(envelope and raw bytes), offers STARTTLS with a self-signed certificate made here with
`cryptography`, accepts AUTH with `SMTP_USER`/`SMTP_PASSWORD` (also without TLS), and can be
told to refuse a sender, chosen recipients or the DATA of chosen recipients with any reply.
`smtps_server` speaks implicit TLS; `smtp_server_factory(**options)` makes more of either
kind. `sandbox_outbox` switches to the sandbox transport and reads what it captured.
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from carrier.models import CapturedMessage
from carrier.transports import reset_transport

SMTP_USER = "relay-user"
# Characters that must be URL-quoted in the SMTP URL; a test credential, nothing else.
SMTP_PASSWORD = "p@ss:w/rd%42 ok"  # noqa: S105
SERVER_NAME = "mx.test.invalid"


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate for localhost and 127.0.0.1: also its own CA file."""

    certfile: Path
    keyfile: Path


def make_certificate(directory: Path) -> TlsFiles:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / "smtp-cert.pem", directory / "smtp-key.pem")
    files.certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    peer: Any  # (host, port) of the client: one per connection
    login: str | None  # the AUTH user, None without AUTH
    tls: bool
    queue_id: str
    # When the end of DATA arrived (time.time()): tests count messages per window by it.
    received_at: float = field(default_factory=time.time)

    def parsed(self) -> EmailMessage:
        message = message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        return message


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpTestServer:
    """One aiosmtpd server in a thread. Replies are set per test, e.g.
    `server.refuse_recipient("gone@example.org", "550 5.1.1 no such user")`."""

    tls: TlsFiles
    implicit_tls: bool = False
    offer_starttls: bool = True
    auth_required: bool = False
    # RFC 2920, as real MTAs offer it; False: the client must wait for every reply.
    pipelining: bool = True
    idle_timeout: float = 300  # seconds before the server says 421 and hangs up
    host: str = "127.0.0.1"
    port: int = field(default_factory=_free_port)
    messages: list[ReceivedMessage] = field(default_factory=list)
    sender_reply: str | None = None
    recipient_replies: dict[str, str] = field(default_factory=dict)
    data_replies: dict[str | None, str] = field(default_factory=dict)
    # Every n-th MAIL FROM on a connection that already delivered a message hangs up
    # instead of answering: what an MTA closing idle or overloaded connections does.
    drop_every: int = 0
    dropped: int = 0
    _mails: int = 0
    _controller: Controller | None = None
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what a test tells the server ----------------------------------------------------

    def refuse_sender(self, reply: str) -> None:
        self.sender_reply = reply

    def refuse_recipient(self, address: str, reply: str) -> None:
        self.recipient_replies[address.lower()] = reply

    def refuse_data(self, reply: str, *, recipient: str | None = None) -> None:
        """Answer the end of DATA with `reply` when `recipient` is in the envelope (any
        message when None)."""
        self.data_replies[recipient.lower() if recipient else None] = reply

    def url(
        self,
        *,
        login: bool = False,
        password: str = SMTP_PASSWORD,
        starttls: bool = False,
        verify: bool = False,
        **options: str,
    ) -> str:
        """The CONSENTRY_SMTP_URL that reaches this server."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        userinfo = f"{quote(SMTP_USER, safe='')}:{quote(password, safe='')}@" if login else ""
        query: dict[str, str] = dict(options)
        if starttls:
            query["starttls"] = "1"
        if not verify:
            query.setdefault("verify", "0")
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{scheme}://{userinfo}{self.host}:{self.port}{suffix}"

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> SmtpTestServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls.certfile, self.tls.keyfile)
        options: dict[str, Any] = {
            "server_hostname": SERVER_NAME,
            "authenticator": self._authenticate,
            # AUTH is offered in clear too (tests log in without TLS), except on a server
            # that requires it: that one, like a real submission server, wants TLS first.
            "auth_require_tls": self.auth_required,
            "auth_required": self.auth_required,
            "timeout": self.idle_timeout,
        }
        if self.implicit_tls:
            options["ssl_context"] = context
        elif self.offer_starttls:
            options["tls_context"] = context
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stops listening and drops every open connection."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        """Same port, all connections dropped: what a client sees when a relay restarts."""
        self.stop()
        self.start()

    # -- called from the server's thread ---------------------------------------------------

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == SMTP_USER.encode()
            and data.password == SMTP_PASSWORD.encode()
        )
        if not ok:  # handled=False: aiosmtpd answers 535 itself
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=SMTP_USER)

    def _record(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            queue_id = f"Q{next(self._ids):06X}"
            content = envelope.original_content or b""
            transport = server.transport
            self.messages.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from or "",
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=bytes(content),
                    peer=session.peer,
                    login=session.auth_data if session.authenticated else None,
                    tls=transport is not None
                    and transport.get_extra_info("ssl_object") is not None,
                    queue_id=queue_id,
                )
            )
        return queue_id


class _Handler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.server.pipelining:  # aiosmtpd reads commands one by one: pipelined ones too
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.server.sender_reply:
            return self.server.sender_reply
        if self.server.drop_every and getattr(session, "delivered", 0):
            with self.server._lock:
                self.server._mails += 1
                drop = self.server._mails % self.server.drop_every == 0
                self.server.dropped += drop
            if drop and server.transport is not None:
                server.transport.close()
                return "421 4.4.2 closing the connection"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.server.recipient_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        replies = self.server.data_replies
        for recipient in [*(r.lower() for r in envelope.rcpt_tos), None]:
            if recipient in replies:
                return replies[recipient]
        queue_id = self.server._record(server, session, envelope)
        session.delivered = getattr(session, "delivered", 0) + 1  # type: ignore[attr-defined]
        return f"250 2.0.0 Ok: queued as {queue_id}"


@pytest.fixture(scope="session")
def smtp_tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_server_factory(smtp_tls_files: TlsFiles) -> Iterator[Callable[..., SmtpTestServer]]:
    """`make(implicit_tls=False, offer_starttls=True, auth_required=False, pipelining=True,
    idle_timeout=300)`
    starts one more server; all stop at the end of the test."""
    servers: list[SmtpTestServer] = []

    def make(**options: Any) -> SmtpTestServer:
        server = SmtpTestServer(smtp_tls_files, **options).start()
        servers.append(server)
        return server

    yield make
    reset_transport()  # this thread's transport may hold a connection to one of them
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpTestServer]) -> SmtpTestServer:
    return smtp_server_factory()


@pytest.fixture
def smtps_server(smtp_server_factory: Callable[..., SmtpTestServer]) -> SmtpTestServer:
    return smtp_server_factory(implicit_tls=True)


class SandboxOutbox:
    """What the sandbox transport captured during the test, oldest first."""

    def messages(self) -> list[CapturedMessage]:
        return list(CapturedMessage.objects.order_by("created_at", "id"))

    def last(self) -> CapturedMessage:
        messages = self.messages()
        assert messages, "the sandbox captured no message"
        return messages[-1]

    def parsed(self, captured: CapturedMessage | None = None) -> EmailMessage:
        raw = bytes((captured or self.last()).raw)
        message = message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        return message


@pytest.fixture
def sandbox_outbox(settings: Any, db: Any) -> Iterator[SandboxOutbox]:
    """Outbound mail goes to the sandbox mailbox, whatever the environment says."""
    settings.SMTP_URL = ""
    reset_transport()
    yield SandboxOutbox()
    reset_transport()
