"""Handing mail over: transactional sends, and the sandbox's capture of what it is given."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from delivery.compose import compose, mailbox
from delivery.models import CapturedMessage
from delivery.parsing import header_summary
from delivery.transports import OutboundMessage, SendResult, get_transport

if TYPE_CHECKING:
    from accounts.models import Account

logger = logging.getLogger(__name__)


def send_transactional(
    *,
    account: Account | None,
    from_addr: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> SendResult:
    """Compose one mail (a confirmation, a notice) and hand it to the configured transport.

    Raises TransportError unchanged: the caller decides between retry and bounce (SEND-6).
    Call it after commit: a relay cannot take a message back.
    """
    raw, message_id = compose(
        from_addr=from_addr, to=to, subject=subject, text=text, html=html, headers=headers
    )
    message = OutboundMessage(
        mail_from=mailbox(from_addr).addr_spec,
        rcpt_to=(mailbox(to).addr_spec,),
        raw=raw,
        account_id=account.pk if account is not None else None,
        kind="transactional",
    )
    result = get_transport().send(message)
    logger.info("transactional mail %s handed over: %s", message_id, result.response)
    return result


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
