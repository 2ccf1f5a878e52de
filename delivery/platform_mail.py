"""Plain mail of the platform itself (confirmation links), through the normal outbound path.

The relay's answer is returned: a mail that failed is logged and named, never retried here
(the person asks for the link again)."""

from __future__ import annotations

import logging
from email.utils import parseaddr

from django.conf import settings

from carrier.compose import compose
from carrier.transports import OutboundMessage, TransportError, get_transport

logger = logging.getLogger(__name__)


def send_platform_mail(*, to: str, subject: str, text: str, account_id: int, what: str) -> str:
    """One auto-generated text mail from the platform's sender; `what` names it in logs."""
    raw, _message_id = compose(
        from_addr=settings.DEFAULT_FROM_EMAIL,
        to=to,
        subject=subject,
        text=text + "\n",
        headers={"Auto-Submitted": "auto-generated"},
    )
    message = OutboundMessage(
        mail_from=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        rcpt_to=(to,),
        raw=raw,
        account_id=account_id,
        kind="transactional",
    )
    try:
        return get_transport().send(message).response
    except TransportError as exc:
        logger.warning("%s: not sent: %s", what, exc.reason)
        return exc.reason
