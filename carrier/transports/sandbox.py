"""The sandbox mailbox: every message is captured whole instead of sent, and shown in the UI.

The default transport while no CONSENTRY_SMTP_URL is set, so a fresh installation can sign
someone up, show the confirmation mail and let them click its link. It writes through the
caller's database connection: hand mail over after commit (`transaction.on_commit`), as with
a real relay, or a rolled-back transaction takes the captured copy with it.
"""

from __future__ import annotations

import logging

from carrier.models import CapturedMessage
from carrier.parsing import header_summary
from carrier.transports.base import OutboundMessage, SendResult

logger = logging.getLogger(__name__)


class SandboxTransport:
    def send(self, message: OutboundMessage) -> SendResult:
        if not message.rcpt_to:
            raise ValueError("a message needs at least one recipient")
        captured = capture_message(message)
        return SendResult(
            message_id=captured.message_id,
            queue_id=str(captured.pk),
            response=f"250 captured in the sandbox mailbox as #{captured.pk}",
        )

    def close(self) -> None:
        pass


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
