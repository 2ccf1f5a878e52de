"""Handing mail over: transactional sends (a confirmation, a notice)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from carrier.compose import compose, mailbox
from carrier.transports import OutboundMessage, SendResult, get_transport

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
