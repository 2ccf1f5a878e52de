"""The sandbox mailbox's write: what the sandbox transport is given, kept whole."""

from __future__ import annotations

import logging

from carrier.models import CapturedMessage
from carrier.parsing import header_summary
from carrier.transports.base import OutboundMessage

logger = logging.getLogger(__name__)


def capture_message(message: OutboundMessage) -> CapturedMessage:
    """The sandbox transport's write: the message kept byte for byte, nothing dropped."""
    try:
        subject, message_id = header_summary(message.raw)
    except Exception:  # a broken header block is still captured whole; only the copy is lost
        logger.warning("captured a message whose headers do not parse", exc_info=True)
        subject, message_id = "", ""
    return CapturedMessage.objects.create(
        account_id=message.account_id,
        mail_from=message.mail_from[:500],
        rcpt_to=list(message.rcpt_to),
        raw=message.raw,
        size=len(message.raw),
        subject=subject[:500],
        message_id=message_id[:500],
        kind=message.kind,
        tags=dict(message.tags),
    )
