"""What an SMTP answer means for a ledger row (SEND-6, INDUSTRY-4), and when to try again.
Pure: no Django, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

ENHANCED_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# INDUSTRY-4: the recipient's address does not exist.
HARD_CODES = frozenset({"5.1.1", "5.1.2", "5.1.3", "5.1.6"})
# Their plain-text equivalents, for servers that send no enhanced code.
HARD_TEXT = re.compile(
    r"user unknown|unknown user|no such (user|mailbox|recipient)|recipient unknown|"
    r"mailbox (does not exist|not found)|does not exist|address unknown|invalid recipient|"
    r"unknown recipient|no mailbox here",
    re.IGNORECASE,
)
# Before RCPT nothing was said about a recipient: the relay refused us, or itself.
SENDER_STAGES = frozenset({"connect", "tls", "auth", "mail"})
# SEND-6: minutes to wait after the 1st, 2nd, ... temporary failure; the last repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 120, 240)


class Outcome(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"
    FAILED = "failed"
    # The server may have taken the message: never sent again (SEND-4).
    UNKNOWN = "unknown"


class FailureKind(StrEnum):
    HARD = "hard"  # the contact becomes B (STATUS-3)
    SOFT = "soft"  # this send failed for the recipient; the contact stays as it is
    SENDER = "sender"  # our problem (policy, authentication): counts against the send


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    failure: FailureKind | None = None


def enhanced_code(reply: str) -> str:
    found = ENHANCED_CODE.search(reply)
    return ".".join(found.groups()) if found else ""


def classify_failure(*, permanent: bool, code: int | None, reply: str, stage: str) -> Verdict:
    """A failed hand-over → deferred, failed (with whose problem it is) or unknown."""
    if not permanent:
        # A connection lost during DATA without a reply: the message may be delivered.
        if stage == "data" and code is None:
            return Verdict(Outcome.UNKNOWN)
        return Verdict(Outcome.DEFERRED)
    enhanced = enhanced_code(reply)
    if stage in SENDER_STAGES or enhanced.startswith("5.7."):
        # INDUSTRY-4: 5.7.x (incl. Gmail 5.7.25/26, Outlook 5.7.515) never bounces the address.
        return Verdict(Outcome.FAILED, FailureKind.SENDER)
    if enhanced in HARD_CODES:
        return Verdict(Outcome.FAILED, FailureKind.HARD)
    if enhanced in ("", "5.0.0") and HARD_TEXT.search(reply):
        return Verdict(Outcome.FAILED, FailureKind.HARD)
    return Verdict(Outcome.FAILED, FailureKind.SOFT)


def retry_delay_seconds(attempts: int) -> int:
    """Wait after the `attempts`-th temporary failure (1-based)."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return BACKOFF_MINUTES[index] * 60


def after_temporary_failure(
    *, attempts: int, now: float, deadline: float
) -> tuple[Outcome, float | None]:
    """SEND-6: deferred with its next attempt time, or failed once past the deadline."""
    next_at = now + retry_delay_seconds(attempts)
    if next_at > deadline:
        return Outcome.FAILED, None
    return Outcome.DEFERRED, next_at
