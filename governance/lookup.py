"""Finding what an abuse report is about (ABUSE-1): the mailing-ID lookup and the reading
of a reported mail. Reads only.

The order of trust follows the bounce matcher's (feedback.apply): a signed token names one
ledger row; a Message-ID names one message; a Feedback-ID or mailing ID names a campaign,
and the complainant's address then names the contact within it.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q

from campaigns.models import Campaign
from carrier.tokens import UNSUBSCRIBE, VERP, BadToken, read_token
from contacts.models import Contact
from core.addresses import InvalidAddress, address_key, normalise_address
from delivery.models import SendLedgerEntry
from feedback.parsers.mime import decode_words, text_of
from governance.abuse_rules import Identifiers, identifiers_in, identifiers_of_quoted

if TYPE_CHECKING:
    from accounts.models import Account

# What of a reported mail is read for identifiers: a forwarded mailing is well within it.
MAX_READ = 1024 * 1024


@dataclass(frozen=True)
class Found:
    """What an identifier or a report leads to; empty when it leads nowhere."""

    matched_by: str = ""
    account: Account | None = None
    campaign: Campaign | None = None
    entry: SendLedgerEntry | None = None
    contact: Contact | None = None

    def __bool__(self) -> bool:
        return bool(self.matched_by)


def _of_entry(entry: SendLedgerEntry, how: str) -> Found:
    campaign = entry.campaign
    return Found(how, campaign.account, campaign, entry, entry.contact)


def _entry_by_token(purpose: str, token: str) -> SendLedgerEntry | None:
    try:
        entry_id = read_token(purpose, token).entry_id
    except BadToken:
        return None
    return (
        SendLedgerEntry.objects.select_related("campaign__account", "contact")
        .filter(pk=entry_id)
        .first()
    )


def _entry_by_message_id(message_id: str) -> SendLedgerEntry | None:
    bare = message_id.strip().strip("<>")
    if not bare:
        return None
    return (
        SendLedgerEntry.objects.select_related("campaign__account", "contact")
        .filter(Q(message_id=f"<{bare}>") | Q(message_id=bare))
        .first()
    )


def _contact_in(campaign: Campaign, addresses: tuple[str, ...]) -> Found:
    """The campaign's message to one of `addresses` (the complainant), else the campaign."""
    for address in addresses:
        try:
            digest = address_key(normalise_address(address))
        except InvalidAddress:
            continue
        entry = (
            SendLedgerEntry.objects.select_related("contact")
            .filter(campaign=campaign, contact__address_hash=digest)
            .first()
        )
        if entry is not None:
            return Found("recipient", campaign.account, campaign, entry, entry.contact)
    return Found("", campaign.account, campaign)


def resolve(found: Identifiers, addresses: tuple[str, ...] = ()) -> Found:
    """The ledger row, campaign, account and contact the identifiers lead to."""
    for token in found.verp_tokens:
        entry = _entry_by_token(VERP, token)
        if entry is not None:
            return _of_entry(entry, "verp")
    for token in found.unsubscribe_tokens:
        entry = _entry_by_token(UNSUBSCRIBE, token)
        if entry is not None:
            return _of_entry(entry, "unsubscribe_token")
    for message_id in found.message_ids:
        entry = _entry_by_message_id(message_id)
        if entry is not None:
            return _of_entry(entry, "message_id")
    pairs = [("feedback_id", c, a) for c, a in found.feedback_ids] + [
        ("mailing_id", c, a) for a, c in found.mailing_ids
    ]
    for how, campaign_id, account_id in pairs:
        campaign = (
            Campaign.objects.select_related("account")
            .filter(pk=campaign_id, account_id=account_id)
            .first()
        )
        if campaign is not None:
            within = _contact_in(campaign, addresses)
            return Found(
                f"{how}+recipient" if within.contact else how,
                campaign.account,
                campaign,
                within.entry,
                within.contact,
            )
    return Found()


def lookup(quoted: str, addresses: tuple[str, ...] = ()) -> Found:
    """ABUSE-1: the campaign, account and sent message of any one ID a recipient quotes: a
    mailing ID, a Feedback-ID, an unsubscribe or VERP token, or a Message-ID; for an ID of
    a whole campaign, the message to one of `addresses` (the person quoting it)."""
    found = identifiers_of_quoted(quoted, feedback_sender_id=settings.FEEDBACK_SENDER_ID)
    return resolve(found, addresses)


def load(raw: bytes) -> Message:
    return email.message_from_bytes(bytes(raw)[:MAX_READ], policy=email.policy.compat32)


def readable_text(message: Message) -> str:
    """A reported mail as text for the identifier search: its raw headers and those of every
    attached message, and every text part decoded (quoted-printable, base64, charsets)."""
    pieces = []
    for part in message.walk():
        pieces.append("\n".join(f"{k}: {decode_words(v)}" for k, v in part.items()))
        if part.get_content_maintype() == "text":
            pieces.append(text_of(part))
    return "\n".join(pieces)[:MAX_READ]


def resolve_report(raw: bytes, addresses: tuple[str, ...] = ()) -> Found:
    """ABUSE-1: what a reported mail (an ARF report, a forwarded or quoted mailing, or just
    its text) is about."""
    text = readable_text(load(raw))
    found = identifiers_in(text, feedback_sender_id=settings.FEEDBACK_SENDER_ID)
    return resolve(found, addresses)


def contact_for(account: Account, address: str) -> Contact | None:
    try:
        digest = address_key(normalise_address(address))
    except InvalidAddress:
        return None
    return Contact.objects.filter(account=account, address_hash=digest).first()
