"""ABUSE-3: replies to a campaign's From and Reply-To reach the account: every one that is
no unsubscribe, bounce or report is kept for the account's inbox and, when the account
names an address, forwarded there through the normal outbound path, marked as forwarded
and limited per hour (an automatic reply is shown, never forwarded: no mail loops)."""

from __future__ import annotations

import logging
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from campaigns.models import Campaign
from carrier.compose import compose
from carrier.transports import OutboundMessage, TransportError, get_transport
from core import ratelimit
from core.addresses import InvalidAddress, normalise_address
from core.errors import InvalidInput
from delivery.models import SendLedgerEntry
from feedback.models import InboundMessage
from feedback.parsers.mime import decode_words, human_text, parts_of
from governance import lookup
from governance.models import Reply, ReplyForwarding

log = logging.getLogger(__name__)
MAX_TEXT = 20_000
FORWARDED_HEADER = "X-Consentry-Forwarded"


def _campaign_of(account: Account, recipient: str, references: str) -> Campaign | None:
    """The campaign replied to: the message it answers (In-Reply-To, References), else the
    account's latest campaign sent from or with a Reply-To of the address."""
    ids = [i for i in references.replace(">", "> ").split() if i.startswith("<")][:20]
    if ids:
        entry = (
            SendLedgerEntry.objects.filter(message_id__in=ids, campaign__account=account)
            .select_related("campaign")
            .first()
        )
        if entry is not None:
            return entry.campaign
    return (
        Campaign.objects.filter(account=account)
        .filter(Q(from_address__iexact=recipient) | Q(reply_to__iexact=recipient))
        .order_by("-created_at", "-pk")
        .first()
    )


def receive_reply(
    message: InboundMessage, recipient: str, account: Account, automatic: bool
) -> str:
    """The inbox entry of one reply (once per message) and its forwarding after commit."""
    existing = Reply.objects.filter(inbound=message).first()
    if existing is not None:
        return f"in the inbox as reply #{existing.pk}"
    parsed = lookup.load(bytes(message.raw))
    sender = [a for _, a in getaddresses([decode_words(parsed.get("From", ""))]) if "@" in a]
    references = " ".join(
        decode_words(parsed.get(name, "")) for name in ("In-Reply-To", "References")
    )
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                inbound=message,
                account=account,
                campaign=_campaign_of(account, recipient, references),
                recipient=recipient[:254],
                sender=(sender[0] if sender else message.mail_from)[:254],
                subject=decode_words(parsed.get("Subject", ""))[:300],
                text=human_text(parts_of(parsed))[:MAX_TEXT],
                automatic=automatic,
                received_at=message.received_at,
            )
    except IntegrityError:
        return "in the inbox already"
    transaction.on_commit(lambda: forward(reply.pk))
    return f"in the inbox as reply #{reply.pk}"


def forward(reply_id: int) -> Reply:
    """ABUSE-3: hand one reply to the account's forwarding address, if it names one."""
    reply = Reply.objects.select_related("account").get(pk=reply_id)
    target = ReplyForwarding.objects.filter(account=reply.account).first()
    if target is None or reply.forwarded_at is not None:
        return reply
    if reply.automatic:
        return _noted(reply, "an automatic reply is not forwarded")
    if not ratelimit.allow(
        "reply-forward",
        str(reply.account_id),
        limit=settings.REPLY_FORWARDS_PER_HOUR,
        window_seconds=3600,
    ):
        return _noted(reply, "not forwarded: the hourly limit of forwarded replies is reached")
    text = "\n".join(
        [
            _("A reply to %(recipient)s from %(sender)s, received %(when)s:")
            % {
                "recipient": reply.recipient,
                "sender": reply.sender,
                "when": reply.received_at.strftime("%Y-%m-%d %H:%M UTC"),
            },
            "",
            reply.text,
        ]
    )
    try:
        sender_ok = normalise_address(reply.sender) if reply.sender else None
    except InvalidAddress:
        sender_ok = None
    raw, message_id = compose(
        from_addr=settings.DEFAULT_FROM_EMAIL,
        to=target.address,
        reply_to=sender_ok,
        subject=_("Forwarded reply: %(subject)s") % {"subject": reply.subject or "-"},
        text=text + "\n",
        headers={FORWARDED_HEADER: f"reply {reply.pk}", "Auto-Submitted": "auto-generated"},
    )
    outbound = OutboundMessage(
        mail_from=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        rcpt_to=(target.address,),
        raw=raw,
        account_id=reply.account_id,
        kind="transactional",
        message_id=message_id,
    )
    try:
        get_transport().send(outbound)
    except TransportError as exc:
        log.warning("reply %s not forwarded: %s", reply.pk, exc.reason)
        return _noted(reply, f"not forwarded: {exc.reason}")
    Reply.objects.filter(pk=reply.pk).update(
        forwarded_to=target.address, forwarded_at=timezone.now(), forward_note=""
    )
    reply.refresh_from_db()
    return reply


def _noted(reply: Reply, note: str) -> Reply:
    Reply.objects.filter(pk=reply.pk).update(forward_note=note[:300])
    reply.forward_note = note[:300]
    return reply


@transaction.atomic
def set_forwarding(account: Account, address: str) -> ReplyForwarding | None:
    """The address the account's replies are forwarded to; empty stops forwarding."""
    address = address.strip()
    if not address:
        ReplyForwarding.objects.filter(account=account).delete()
        return None
    if len(address) > 254:
        raise InvalidInput("forwarding address: at most 254 characters")
    try:
        address = normalise_address(address)
    except InvalidAddress:
        raise InvalidInput("forwarding address: not an email address") from None
    row, _created = ReplyForwarding.objects.update_or_create(
        account=account, defaults={"address": address, "updated_at": timezone.now()}
    )
    return row


def forwarding_of(account: Account) -> str:
    row = ReplyForwarding.objects.filter(account=account).first()
    return row.address if row is not None else ""
