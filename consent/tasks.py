"""Background entry points for consent: thin, they call one service each."""

from __future__ import annotations

import logging
from email.utils import parseaddr

from django.conf import settings
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_confirmation(confirmation_id: int) -> str:
    """Hand the confirmation mail over; the outcome is recorded on the confirmation.

    A temporary failure raises, so the task is marked failed and shows up for retry."""
    from consent.doi import mark_sent, pending_mail
    from consent.models import Confirmation
    from delivery.transports import OutboundMessage, TransportError, get_transport

    confirmation = Confirmation.objects.get(pk=confirmation_id)
    mail = pending_mail(confirmation)
    if mail is None:
        return "nothing to send"
    recipient, raw = mail
    message = OutboundMessage(
        mail_from=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        rcpt_to=(recipient,),
        raw=raw,
        account_id=confirmation.account_id,
        kind="transactional",
    )
    try:
        result = get_transport().send(message)
    except TransportError as exc:
        logger.warning("confirmation %s not sent: %s", confirmation_id, exc.reason)
        mark_sent(confirmation_id, error=exc.reason)
        if not exc.permanent:
            raise
        return "refused"
    mark_sent(confirmation_id)
    return result.message_id


@task()
def expire_pending_signups() -> int:
    from consent.doi import expire_pending

    return expire_pending()
