"""Where inbound mail goes that a higher app handles: the abuse desk's cases (ABUSE-1) and
the account's replies inbox (ABUSE-3). feedback sits below governance, so governance
registers its receivers here when it starts (as delivery.sends.register_judge does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import Account
    from feedback.models import InboundMessage

# (message, recipient) -> a line for the message's outcome, and the account it concerns.
AbuseIntake = Callable[["InboundMessage", str], tuple[str, "Account | None"]]
# (message, recipient, account, automatic) -> a line for the message's outcome.
ReplyIntake = Callable[["InboundMessage", str, "Account", bool], str]

_abuse: list[AbuseIntake] = []
_replies: list[ReplyIntake] = []


def register_abuse_intake(receiver: AbuseIntake) -> None:
    if receiver not in _abuse:
        _abuse.append(receiver)


def register_reply_intake(receiver: ReplyIntake) -> None:
    if receiver not in _replies:
        _replies.append(receiver)


def abuse_intake() -> AbuseIntake | None:
    return _abuse[0] if _abuse else None


def reply_intake() -> ReplyIntake | None:
    return _replies[0] if _replies else None
