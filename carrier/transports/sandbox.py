"""The sandbox mailbox: every message is captured whole instead of sent, and shown in the UI.

The default transport while no CONSENTRY_SMTP_URL is set, so a fresh installation can sign
someone up, show the confirmation mail and let them click its link. It writes through the
caller's database connection: hand mail over after commit (`transaction.on_commit`), as with
a real relay, or a rolled-back transaction takes the captured copy with it.
"""

from __future__ import annotations

from carrier.mailbox import capture_message
from carrier.transports.base import OutboundMessage, SendResult


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
