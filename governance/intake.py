"""The abuse mailbox's receiver (ABUSE-1), registered with feedback.intake."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance import abuse

if TYPE_CHECKING:
    from accounts.models import Account
    from feedback.models import InboundMessage


def receive_abuse_report(message: InboundMessage, recipient: str) -> tuple[str, Account | None]:
    case = abuse.open_from_mail(message, recipient)
    where = (
        f"account {case.account.slug}, campaign #{case.campaign_id}, contact #{case.contact_id}"
        if case.account is not None
        else "not resolved to an account"
    )
    return f"abuse report: case #{case.pk} ({case.kind}; {where})", case.account
