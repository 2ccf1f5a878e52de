"""The inbound SMTP listener (aiosmtpd): every message is stored raw, then processed.

It answers 250 once the message is stored, whatever processing then makes of it; if it
cannot even store the message it answers 451, so the sending MTA tries again later and
nothing is lost. Database work runs in a worker thread: Django's ORM is synchronous.
Messages that arrive while others are processed are processed together, as one batch.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


# One delivery's thread at a time processes; the deliveries that arrive meanwhile are
# stored and wait here, and the next thread processes all that wait as one batch
# (feedback.services.process_many): under load, reports are applied in batches.
_processing = threading.Lock()


def _store_and_process(raw: bytes, mail_from: str, rcpt_to: list[str], peer: str) -> int:
    from feedback import services

    close_old_connections()
    try:
        message = services.receive(raw, mail_from=mail_from, rcpt_to=rcpt_to, peer=peer)
        try:
            with _processing:
                services.process_waiting(mail_only=True)  # this message among them
        except Exception:  # stored: it stays `received` and is processed on the next start
            log.exception("inbound message %s stored but not processed", message.pk)
        return message.pk
    finally:
        close_old_connections()


class InboundHandler:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "")
        mail_from = envelope.mail_from or ""
        if mail_from == "<>":
            mail_from = ""
        try:
            pk = await asyncio.to_thread(
                _store_and_process, raw, mail_from, list(envelope.rcpt_tos), peer
            )
        except Exception:
            log.exception("could not store an inbound message")
            return "451 4.3.0 Could not store the message, please try again later"
        return f"250 2.0.0 Message accepted as #{pk}"


def listener(host: str = "", port: int = 0, **options: Any) -> Controller:
    """A controller for the listener (not started): `settings.INBOUND_LISTEN` by default."""
    if not host:
        host, _, given = settings.INBOUND_LISTEN.rpartition(":")
        port = int(given)
    return Controller(
        InboundHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.INBOUND_MAX_BYTES,
        decode_data=False,
        server_hostname="consentry",
        **options,
    )
