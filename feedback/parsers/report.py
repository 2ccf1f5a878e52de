"""What the parsers find in one inbound message: frozen values, no Django, no database.

The next step (matching to the send ledger, BOUNCE-1) reads these: the VERP token first,
then the original message's X-Mailing-ID / Message-ID, then the recipient address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# `delivered`: a success report (RFC 3464 Action: delivered / relayed / expanded), which
# some servers send when asked (NOTIFY=SUCCESS) or by mistake: it bounces nobody.
Kind = Literal["bounce", "complaint", "autoreply", "delivered", "unknown"]


@dataclass(frozen=True)
class RecipientResult:
    """One recipient of a bounce (or the complained-about recipient of an ARF report)."""

    recipient: str
    # RFC 3463 enhanced code (`5.1.1`), else the bare SMTP reply code (`550`), else ''.
    status: str
    reason: str
    hard: bool
    sender_side: bool
    diagnostic: str = ""
    # RFC 3464 Action: failed | delayed | delivered | relayed | expanded; heuristics give
    # `failed`, or `delayed` for a warning. Only `failed` is a bounce; `delayed` is news.
    action: str = "failed"
    original_recipient: str = ""
    remote_mta: str = ""


@dataclass(frozen=True)
class OriginalMessage:
    """Headers of our own message as attached to (or quoted in) the report; '' if absent."""

    message_id: str = ""
    mailing_id: str = ""
    to: str = ""
    return_path: str = ""
    list_unsubscribe: str = ""
    unsubscribe_token: str = ""
    # The recipient a provider adds to the returned copy when the report names none
    # (Microsoft's JMRP: X-HmXmrOriginalRecipient).
    provider_recipient: str = ""


@dataclass(frozen=True)
class Complaint:
    """The machine-readable part of an RFC 5965 feedback report."""

    feedback_type: str = ""
    user_agent: str = ""
    original_mail_from: str = ""
    original_rcpt_to: tuple[str, ...] = ()
    arrival_date: str = ""
    reported_domain: str = ""
    source_ip: str = ""


@dataclass(frozen=True)
class FeedbackReport:
    kind: Kind
    # Which reader found it: rfc3464, arf, postfix, exim, sendmail, qmail, exchange, gmail,
    # yahoo, gmx, t-online, orange, plain, autoreply, or '' for unknown.
    source_format: str = ""
    recipients: tuple[RecipientResult, ...] = ()
    original: OriginalMessage = field(default_factory=OriginalMessage)
    verp_token: str = ""
    complaint: Complaint | None = None
    # Why the message is `unknown` (kept for the operators' review queue, BOUNCE-1), or a
    # remark on a partial reading.
    note: str = ""

    @property
    def failed(self) -> tuple[RecipientResult, ...]:
        """The recipients that bounced (not the delayed or delivered ones)."""
        return tuple(r for r in self.recipients if r.action == "failed")
