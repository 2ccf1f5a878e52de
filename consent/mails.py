"""Mails kept as evidence (CONSENT-6, CONSENT-7): the confirmation mail of a double opt-in
as the transport got it, and an "unsubscribe me" mail as it arrived; and how a proof
bundle shows them again."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from carrier.parsing import parse_message
from carrier.transports import OutboundMessage


def kept_mail(message: OutboundMessage) -> dict[str, Any]:
    """A handed-over message for the evidence: the envelope and the exact bytes (base64,
    since sealed personal data is JSON)."""
    return {
        "mail_from": message.mail_from,
        "rcpt_to": list(message.rcpt_to),
        "raw": base64.b64encode(message.raw).decode("ascii"),
    }


def raw_of(kept: dict[str, Any]) -> bytes:
    return base64.b64decode(kept.get("raw", ""))


def mail_view(raw: bytes, *, sha256: str, size: int | None = None) -> dict[str, Any]:
    """What a proof shows of a kept mail: the source as it travelled, its subject and text
    for the reader, and whether it still has the digest its evidence record names."""
    try:
        parsed = parse_message(raw)
        subject, text = parsed.header("Subject"), parsed.text or ""
    except Exception:  # a mail that does not parse is still shown as it is
        subject, text = "", ""
    return {
        "sha256": sha256,
        "sha256_ok": hashlib.sha256(raw).hexdigest() == sha256,
        "size": size if size is not None else len(raw),
        "kept_size": len(raw),
        "subject": subject,
        "text": text,
        # Sent mails are 7-bit; an inbound one may not be: shown, never refused.
        "source": raw.decode("utf-8", "replace").replace("\r\n", "\n"),
    }
