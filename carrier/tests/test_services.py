"""send_transactional: one composed mail through the configured transport (FORM-2's
confirmation mail goes this way), TransportError passed on unchanged (SEND-6)."""

from __future__ import annotations

from typing import Any

import pytest

from carrier.services import send_transactional
from carrier.testing import SmtpTestServer
from carrier.transports import TransportError


def send(account: Any, to: str = "Kunde <kunde@example.de>", **kwargs: Any) -> Any:
    return send_transactional(
        account=account,
        from_addr="consentry <mailer@consentry.example>",
        to=to,
        subject="Bitte bestätigen Sie Ihre Anmeldung",
        text="Bitte bestätigen: https://127.0.0.1:8000/c/abc/\n",
        **kwargs,
    )


def test_it_captures_in_the_sandbox_when_no_smtp_url_is_set(
    world: Any, sandbox_outbox: Any
) -> None:
    result = send(world.alice_account, html="<p>Bitte bestätigen</p>")
    captured = sandbox_outbox.last()
    assert captured.account == world.alice_account
    assert captured.mail_from == "mailer@consentry.example"
    assert captured.rcpt_to == ["kunde@example.de"]
    assert captured.kind == "transactional"
    assert result.message_id == captured.message_id
    parsed = sandbox_outbox.parsed()
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["To"] == "Kunde <kunde@example.de>"


def test_it_sends_platform_mail_without_an_account(db: Any, sandbox_outbox: Any) -> None:
    send(None)
    assert sandbox_outbox.last().account is None


def test_it_relays_over_smtp_when_a_url_is_set(
    world: Any, settings: Any, smtp_server: SmtpTestServer
) -> None:
    settings.SMTP_URL = smtp_server.url(login=True, starttls=True)
    first = send(world.alice_account, headers={"Auto-Submitted": "auto-generated"})
    send(world.alice_account, to="zweite@example.de")
    received, second = smtp_server.messages
    assert received.rcpt_tos == ["kunde@example.de"]
    assert received.parsed()["Auto-Submitted"] == "auto-generated"
    assert first.message_id == received.parsed()["Message-ID"]
    assert first.queue_id == received.queue_id
    assert received.peer == second.peer  # the thread's transport kept its connection


def test_it_passes_a_permanent_refusal_on_unchanged(
    world: Any, settings: Any, smtp_server: SmtpTestServer
) -> None:
    settings.SMTP_URL = smtp_server.url()
    smtp_server.refuse_recipient("weg@example.de", "550 5.1.1 no such user")
    with pytest.raises(TransportError) as caught:
        send(world.alice_account, to="weg@example.de")
    assert (caught.value.permanent, caught.value.code) == (True, 550)
