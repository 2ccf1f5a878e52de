"""Choosing the transport: SMTP when CONSENTRY_SMTP_URL is set, else the sandbox; one
transport per thread so connections are reused but never shared."""

from __future__ import annotations

import threading
from typing import Any

from carrier.transports import get_transport, reset_transport, sandbox_active
from carrier.transports.sandbox import SandboxTransport
from carrier.transports.smtp import SmtpTransport


def test_it_uses_the_sandbox_without_an_smtp_url(settings: Any) -> None:
    settings.SMTP_URL = ""
    assert sandbox_active() is True
    assert isinstance(get_transport(), SandboxTransport)


def test_it_uses_smtp_when_a_url_is_set(settings: Any) -> None:
    settings.SMTP_URL = "smtp://relay.example:2525?starttls=1"
    transport = get_transport()
    assert sandbox_active() is False
    assert isinstance(transport, SmtpTransport)
    assert (transport.config.host, transport.config.port) == ("relay.example", 2525)
    reset_transport()


def test_it_keeps_one_transport_per_thread(settings: Any) -> None:
    settings.SMTP_URL = "smtp://relay.example:2525"
    mine = get_transport()
    assert get_transport() is mine
    theirs: list[Any] = []
    thread = threading.Thread(target=lambda: theirs.append(get_transport()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    reset_transport()


def test_it_makes_a_new_transport_when_the_url_changes_or_after_reset(settings: Any) -> None:
    settings.SMTP_URL = "smtp://relay.example:2525"
    first = get_transport()
    settings.SMTP_URL = "smtp://other.example:2525"
    second = get_transport()
    assert second is not first
    reset_transport()
    assert get_transport() is not second
    settings.SMTP_URL = ""
    assert isinstance(get_transport(), SandboxTransport)
