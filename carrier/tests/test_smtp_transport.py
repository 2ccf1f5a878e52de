"""The SMTP transport against a real aiosmtpd server on loopback (SEND-6, INDUSTRY-1).

5xx replies are permanent (a bounce), 4xx replies, timeouts and unreachable servers are
temporary (retried); the received message is valid RFC 5322 with a text part.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carrier.compose import compose
from carrier.testing import SMTP_USER, SmtpTestServer
from carrier.transports import OutboundMessage, TransportError
from carrier.transports.smtp import SmtpTransport, dot_stuffed, queue_id_of

SENDER = "mailer@consentry.example"


def message(*recipients: str, subject: str = "Bitte bestätigen Sie Ihre Anmeldung") -> Any:
    to = recipients[0] if recipients else "kunde@example.de"
    raw, _ = compose(
        from_addr=f"Alice Shop <{SENDER}>",
        to=to,
        subject=subject,
        text="Hallo,\nbitte bestätigen: https://127.0.0.1:8000/c/abc/\n",
    )
    return OutboundMessage(mail_from=SENDER, rcpt_to=recipients or (to,), raw=raw)


@pytest.fixture(params=[True, False], ids=["pipelining", "without-pipelining"])
def smtp_server_factory(
    request: pytest.FixtureRequest, smtp_server_factory: Callable[..., SmtpTestServer]
) -> Callable[..., SmtpTestServer]:
    """Every test here runs against a server with RFC 2920 pipelining and one without."""

    def make(**options: Any) -> SmtpTestServer:
        return smtp_server_factory(**{"pipelining": request.param, **options})

    return make


@pytest.fixture
def transports() -> Iterator[list[SmtpTransport]]:
    made: list[SmtpTransport] = []
    yield made
    for transport in made:
        transport.close()


@pytest.fixture
def connect(transports: list[SmtpTransport]) -> Any:
    def make(url: str) -> SmtpTransport:
        transport = SmtpTransport(url)
        transports.append(transport)
        return transport

    return make


def assert_valid_with_text_part(parsed: EmailMessage) -> None:
    assert [d for part in parsed.walk() for d in part.defects] == []
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    assert "bitte bestätigen" in body.get_content()


class TestDelivery:
    def test_it_hands_the_message_over_byte_for_byte(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        """INDUSTRY-1: the server receives a valid RFC 5322 message with a text part."""
        outbound = message("kunde@example.de")
        result = connect(smtp_server.url()).send(outbound)

        [received] = smtp_server.messages
        assert received.mail_from == SENDER
        assert received.rcpt_tos == ["kunde@example.de"]
        assert received.raw == outbound.raw
        parsed = received.parsed()
        assert_valid_with_text_part(parsed)
        assert parsed["Subject"] == "Bitte bestätigen Sie Ihre Anmeldung"
        assert result.message_id == parsed["Message-ID"]
        assert result.queue_id == received.queue_id
        assert result.response == f"250 2.0.0 Ok: queued as {received.queue_id}"
        assert result.refused == {}

    def test_it_reuses_one_connection_for_several_messages(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        transport = connect(smtp_server.url())
        transport.send(message("eins@example.de"))
        transport.send(message("zwei@example.de"))
        first, second = smtp_server.messages
        assert first.peer == second.peer  # the same client port: the same TCP connection

    def test_it_reconnects_once_when_the_server_dropped_the_idle_connection(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        transport = connect(smtp_server.url())
        transport.send(message("eins@example.de"))
        smtp_server.restart()
        transport.send(message("zwei@example.de"))
        first, second = smtp_server.messages
        assert second.rcpt_tos == ["zwei@example.de"]
        assert first.peer != second.peer

    def test_it_reconnects_after_the_server_hung_up_on_an_idle_connection(
        self, smtp_server_factory: Any, connect: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Relays close idle connections with "421 timeout": the next send reconnects."""
        server = smtp_server_factory(idle_timeout=0.3)
        transport = connect(server.url())
        transport.send(message("eins@example.de"))
        time.sleep(0.8)
        with caplog.at_level(logging.INFO, logger="carrier.transports.smtp"):
            transport.send(message("zwei@example.de"))
        first, second = server.messages
        assert first.peer != second.peer
        assert "closed the idle connection; reconnecting" in caplog.text

    def test_it_opens_a_new_connection_after_close(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        transport = connect(smtp_server.url())
        transport.send(message("eins@example.de"))
        transport.close()
        transport.close()  # twice is harmless
        transport.send(message("zwei@example.de"))
        first, second = smtp_server.messages
        assert first.peer != second.peer

    def test_it_delivers_to_several_recipients_in_one_transaction(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        connect(smtp_server.url()).send(message("eins@example.de", "zwei@example.de"))
        [received] = smtp_server.messages
        assert received.rcpt_tos == ["eins@example.de", "zwei@example.de"]


class TestTlsAndAuth:
    def test_it_upgrades_with_starttls(self, smtp_server: SmtpTestServer, connect: Any) -> None:
        connect(smtp_server.url(starttls=True)).send(message("kunde@example.de"))
        [received] = smtp_server.messages
        assert received.tls is True

    def test_it_sends_in_clear_without_starttls(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        connect(smtp_server.url()).send(message("kunde@example.de"))
        assert smtp_server.messages[0].tls is False

    def test_it_verifies_the_certificate_against_a_given_ca_file(
        self, smtp_server: SmtpTestServer, connect: Any, smtp_tls_files: Any
    ) -> None:
        url = smtp_server.url(starttls=True, verify=True, cafile=str(smtp_tls_files.certfile))
        connect(url).send(message("kunde@example.de"))
        assert smtp_server.messages[0].tls is True

    def test_it_refuses_an_unknown_certificate_as_temporary(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        with pytest.raises(TransportError) as caught:
            connect(smtp_server.url(starttls=True, verify=True)).send(message("a@example.de"))
        assert (caught.value.permanent, caught.value.stage) == (False, "tls")
        assert "CERTIFICATE_VERIFY_FAILED" in caught.value.reason
        assert smtp_server.messages == []

    def test_it_refuses_to_send_in_clear_when_starttls_is_not_offered(
        self, smtp_server_factory: Any, connect: Any
    ) -> None:
        server = smtp_server_factory(offer_starttls=False)
        with pytest.raises(TransportError) as caught:
            connect(server.url(starttls=True)).send(message("kunde@example.de"))
        assert (caught.value.permanent, caught.value.stage) == (False, "tls")
        assert "STARTTLS" in caught.value.reason
        assert server.messages == []

    def test_it_speaks_implicit_tls(self, smtps_server: SmtpTestServer, connect: Any) -> None:
        url = smtps_server.url(login=True)
        assert url.startswith("smtps://")
        transport = connect(url)
        transport.send(message("eins@example.de"))
        transport.send(message("zwei@example.de"))
        first, second = smtps_server.messages
        assert (first.tls, first.login) == (True, SMTP_USER)
        assert first.peer == second.peer

    def test_it_logs_in_after_starttls(self, smtp_server: SmtpTestServer, connect: Any) -> None:
        connect(smtp_server.url(login=True, starttls=True)).send(message("kunde@example.de"))
        [received] = smtp_server.messages
        assert (received.login, received.tls) == (SMTP_USER, True)

    def test_it_reports_a_refused_login_as_permanent_at_the_auth_stage(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        """A 535 is 5xx: no retry helps. Its stage says it is the sender's problem, not the
        recipient's (INDUSTRY-4): no bounce for the contact."""
        url = smtp_server.url(login=True, password="wrong", starttls=True)
        with pytest.raises(TransportError) as caught:
            connect(url).send(message("kunde@example.de"))
        error = caught.value
        assert (error.permanent, error.code, error.stage) == (True, 535, "auth")
        assert smtp_server.messages == []

    def test_it_reports_a_missing_login_as_permanent_at_the_mail_stage(
        self, smtp_server_factory: Any, connect: Any
    ) -> None:
        server = smtp_server_factory(auth_required=True)
        with pytest.raises(TransportError) as caught:
            connect(server.url()).send(message("kunde@example.de"))
        assert (caught.value.permanent, caught.value.code, caught.value.stage) == (
            True,
            530,
            "mail",
        )


class TestReplies:
    """SEND-6: 4xx → temporary (retried with back-off), 5xx → permanent (a bounce)."""

    @pytest.mark.parametrize(
        ("reply", "permanent"),
        [
            ("450 4.2.1 mailbox busy, try later", False),
            ("452 4.2.2 mailbox full", False),
            ("550 5.1.1 no such user", True),
            ("554 5.7.1 relay access denied", True),
        ],
    )
    def test_it_maps_a_refused_recipient(
        self, smtp_server: SmtpTestServer, connect: Any, reply: str, permanent: bool
    ) -> None:
        smtp_server.refuse_recipient("weg@example.de", reply)
        with pytest.raises(TransportError) as caught:
            connect(smtp_server.url()).send(message("weg@example.de"))
        error = caught.value
        code = int(reply[:3])
        assert (error.permanent, error.code, error.stage) == (permanent, code, "rcpt")
        assert error.reason.startswith(reply)
        assert error.refused == {"weg@example.de": (code, reply[4:])}
        assert smtp_server.messages == []

    @pytest.mark.parametrize(
        ("reply", "permanent"),
        [("451 4.3.0 local error, try again", False), ("554 5.6.0 message rejected", True)],
    )
    def test_it_maps_a_refused_message_and_keeps_the_connection(
        self, smtp_server: SmtpTestServer, connect: Any, reply: str, permanent: bool
    ) -> None:
        smtp_server.refuse_data(reply, recipient="spamfalle@example.de")
        transport = connect(smtp_server.url())
        with pytest.raises(TransportError) as caught:
            transport.send(message("spamfalle@example.de"))
        assert (caught.value.permanent, caught.value.code, caught.value.stage) == (
            permanent,
            int(reply[:3]),
            "data",
        )
        transport.send(message("kunde@example.de"))
        transport.send(message("kunde2@example.de"))
        first, second = smtp_server.messages
        assert first.peer == second.peer

    @pytest.mark.parametrize(
        ("reply", "permanent"),
        [("451 4.1.8 sender domain has no MX, try later", False), ("553 5.7.1 not yours", True)],
    )
    def test_it_maps_a_refused_sender(
        self, smtp_server: SmtpTestServer, connect: Any, reply: str, permanent: bool
    ) -> None:
        smtp_server.refuse_sender(reply)
        with pytest.raises(TransportError) as caught:
            connect(smtp_server.url()).send(message("kunde@example.de"))
        assert (caught.value.permanent, caught.value.stage) == (permanent, "mail")

    def test_it_delivers_to_the_rest_when_some_recipients_are_refused(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        smtp_server.refuse_recipient("weg@example.de", "550 5.1.1 no such user")
        smtp_server.refuse_recipient("voll@example.de", "452 4.2.2 mailbox full")
        result = connect(smtp_server.url()).send(
            message("kunde@example.de", "weg@example.de", "voll@example.de")
        )
        assert result.refused == {
            "weg@example.de": (550, "5.1.1 no such user"),
            "voll@example.de": (452, "4.2.2 mailbox full"),
        }
        [received] = smtp_server.messages
        assert received.rcpt_tos == ["kunde@example.de"]
        assert result.queue_id == received.queue_id

    def test_it_is_temporary_when_every_recipient_is_refused_and_one_only_for_now(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        smtp_server.refuse_recipient("weg@example.de", "550 5.1.1 no such user")
        smtp_server.refuse_recipient("voll@example.de", "452 4.2.2 mailbox full")
        with pytest.raises(TransportError) as caught:
            connect(smtp_server.url()).send(message("weg@example.de", "voll@example.de"))
        error = caught.value
        assert (error.permanent, error.code) == (False, 452)
        assert set(error.refused) == {"weg@example.de", "voll@example.de"}


class TestUnreachable:
    def test_it_is_temporary_when_the_server_is_gone(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        smtp_server.stop()
        with pytest.raises(TransportError) as caught:
            connect(smtp_server.url()).send(message("kunde@example.de"))
        assert (caught.value.permanent, caught.value.stage) == (False, "connect")
        assert "ConnectionRefusedError" in caught.value.reason

    def test_it_is_temporary_when_the_server_goes_away_between_sends(
        self, smtp_server: SmtpTestServer, connect: Any
    ) -> None:
        transport = connect(smtp_server.url())
        transport.send(message("eins@example.de"))
        smtp_server.stop()
        with pytest.raises(TransportError) as caught:
            transport.send(message("zwei@example.de"))
        assert caught.value.permanent is False

    def test_it_is_temporary_when_the_server_does_not_answer_in_time(self, connect: Any) -> None:
        """A server that accepts the connection but never greets: the timeout option holds."""
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            listener.settimeout(10)  # the thread ends even if nobody connects
            port = listener.getsockname()[1]
            accepted: list[socket.socket] = []
            thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]))
            thread.start()
            started = time.monotonic()
            with pytest.raises(TransportError) as caught:
                connect(f"smtp://127.0.0.1:{port}?timeout=0.5").send(message("a@example.de"))
            elapsed = time.monotonic() - started
            thread.join()
            for sock in accepted:
                sock.close()
        assert (caught.value.permanent, caught.value.stage) == (False, "connect")
        assert elapsed < 5


@pytest.mark.parametrize(
    ("reply", "queue_id"),
    [
        ("250 2.0.0 Ok: queued as 4FZ2Lk1nXJz9sQ", "4FZ2Lk1nXJz9sQ"),
        ("250 OK id=1rAbcD-000123-Xy", "1rAbcD-000123-Xy"),
        ("250 2.0.0 Message accepted for delivery", ""),
    ],
)
def test_it_reads_the_queue_id_from_common_replies(reply: str, queue_id: str) -> None:
    assert queue_id_of(reply) == queue_id


@given(st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"\r\n")))
def test_dot_stuffing_is_smtplibs(raw: bytes) -> None:
    """The pipelined path stuffs dots as smtplib's data() does, and ends the content."""
    expected = smtplib._quote_periods(raw)
    if not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    assert dot_stuffed(raw) == expected + b".\r\n"


@pytest.mark.parametrize("raw", [b".", b".\r\n..\r\n.x", b"a\r\n.\r\nb", b"\n.\n."])
def test_dot_stuffing_examples(raw: bytes) -> None:
    expected = smtplib._quote_periods(raw)
    assert (
        dot_stuffed(raw) == expected + (b"" if expected.endswith(b"\r\n") else b"\r\n") + b".\r\n"
    )


def test_with_pipelining_mail_rcpt_and_data_go_out_in_one_write(connect: Any) -> None:
    """RFC 2920: a server offering PIPELINING gets MAIL, RCPT and DATA in one segment, so a
    message costs two round trips (the commands, then the content)."""
    chunks: list[bytes] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(10)
        port = listener.getsockname()[1]

        def serve() -> None:
            peer, _ = listener.accept()
            with peer:
                reader = peer.makefile("rb")
                peer.sendall(b"220 scripted ESMTP\r\n")
                reader.readline()  # EHLO
                peer.sendall(b"250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                chunks.append(peer.recv(4096))
                peer.sendall(b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n")
                content = b""
                while not content.endswith(b"\r\n.\r\n"):
                    content += peer.recv(65536)
                chunks.append(content)
                peer.sendall(b"250 2.0.0 Ok: queued as PIPE1\r\n")
                reader.readline()  # QUIT
                peer.sendall(b"221 bye\r\n")

        thread = threading.Thread(target=serve)
        thread.start()
        transport = connect(f"smtp://127.0.0.1:{port}")
        outbound = message("kunde@example.de")
        result = transport.send(outbound)
        transport.close()
        thread.join(10)
    commands, content = chunks
    assert commands == (
        f"MAIL FROM:<{SENDER}>\r\nRCPT TO:<kunde@example.de>\r\nDATA\r\n".encode("ascii")
    )
    assert content == dot_stuffed(outbound.raw)
    assert result.queue_id == "PIPE1"
