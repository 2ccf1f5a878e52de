"""Inbound mail: store it raw, then route and process it (STYLE: detect → record → apply).

`receive` writes the message in its own transaction before anything parses it, so a
message that breaks a handler is kept, marked for review with the error, never dropped
(invariant 7). Processing is idempotent: handlers key what they create on the message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from feedback.handlers import Outcome
from feedback.models import InboundMessage, InboundState
from feedback.routing import route_for

log = logging.getLogger(__name__)


def receive(
    raw: bytes, *, mail_from: str, rcpt_to: Sequence[str], peer: str = "", route: str = ""
) -> InboundMessage:
    """Keep the message exactly as it arrived; nothing has read it yet. `route` is known
    beforehand only for webhook events (`webhook:<esp>`)."""
    with transaction.atomic():
        return InboundMessage.objects.create(
            raw=raw,
            size=len(raw),
            mail_from=mail_from[:500],
            rcpt_to=list(rcpt_to),
            peer=peer[:100],
            route=route[:20],
        )


def process(message: InboundMessage) -> InboundMessage:
    """Route each recipient to its handler and record the outcome on the message."""
    outcomes: list[Outcome] = []
    routes: list[str] = []
    for recipient in message.rcpt_to or [""]:
        route, params = route_for(recipient)
        routes.append(route.name)
        handler = import_string(route.handler)
        try:
            with transaction.atomic():
                outcomes.append(handler(message, recipient, params))
        except Exception as exc:  # a bug or a message no handler foresaw: keep it for review
            log.exception("inbound message %s: handler %s failed", message.pk, route.name)
            outcomes.append(
                Outcome(InboundState.REVIEW, f"{route.name} failed: {type(exc).__name__}: {exc}")
            )
    review = any(o.state == InboundState.REVIEW for o in outcomes)
    accounts = {o.account.pk: o.account for o in outcomes if o.account is not None}
    message.state = InboundState.REVIEW if review else InboundState.PROCESSED
    message.reason = "; ".join(o.reason for o in outcomes)[:5000]
    message.route = ",".join(dict.fromkeys(routes))[:20]
    message.account = next(iter(accounts.values())) if len(accounts) == 1 else None
    message.processed_at = timezone.now()
    message.save(update_fields=["state", "reason", "route", "account", "processed_at"])
    return message


def process_waiting() -> int:
    """Process what was stored but never processed (the listener stopped in between)."""
    count = 0
    for message in InboundMessage.objects.filter(state=InboundState.RECEIVED).order_by("pk"):
        process(message)
        count += 1
    return count
