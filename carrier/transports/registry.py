"""Choosing the transport: SMTP when CONSENTRY_SMTP_URL is set, else the sandbox mailbox.

Each thread keeps its own transport, so an SMTP connection is reused across sends without
being shared between threads. A changed SMTP_URL (tests override it) gets a new transport.
"""

from __future__ import annotations

import threading

from django.conf import settings

from carrier.transports.base import Transport

_local = threading.local()


def sandbox_active() -> bool:
    """True while outbound mail is captured in the sandbox mailbox instead of sent."""
    return not settings.SMTP_URL


def get_transport() -> Transport:
    url = settings.SMTP_URL
    transport: Transport | None = getattr(_local, "transport", None)
    if transport is not None and _local.url == url:
        return transport
    reset_transport()
    if url:
        from carrier.transports.smtp import SmtpTransport

        transport = SmtpTransport(url)
    else:
        from carrier.transports.sandbox import SandboxTransport

        transport = SandboxTransport()
    _local.transport, _local.url = transport, url
    return transport


def reset_transport() -> None:
    """Close this thread's transport (its SMTP connection); the next send opens a new one."""
    transport: Transport | None = getattr(_local, "transport", None)
    _local.transport = _local.url = None
    if transport is not None:
        transport.close()
