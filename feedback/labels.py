"""What a bounce's or complaint's reason is called on a page: the reasons are kept as
codes (feedback.parsers.classify), and a reader sees these words in their language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

# Hard rejections at hand-over: the receiving server refused during the SMTP dialogue.
REFUSED_AT_HAND_OVER = "refused_at_hand_over"

REASON: dict[str, Promise] = {
    "user_unknown": gettext_lazy("Address does not exist"),
    "domain_unknown": gettext_lazy("Domain does not exist"),
    "mailbox_full": gettext_lazy("Mailbox full"),
    "mailbox_disabled": gettext_lazy("Mailbox disabled"),
    "rate_limited": gettext_lazy("Too many messages at once"),
    "spam_block": gettext_lazy("Blocked as spam"),
    "policy_block": gettext_lazy("Blocked by the receiver's policy"),
    "auth_failure": gettext_lazy("Sender authentication failed"),
    "content_rejected": gettext_lazy("Content rejected"),
    "expired": gettext_lazy("Gave up after retrying"),
    "other": gettext_lazy("Other reason"),
    "complaint": gettext_lazy("Spam complaint"),
    REFUSED_AT_HAND_OVER: gettext_lazy("Refused at hand-over"),
}


def label(table: dict[str, Promise], code: str) -> str:
    """The code's words from `table`; an unlisted code as words made from it."""
    found = table.get(code)
    return str(found) if found is not None else code.replace("_", " ").capitalize()


def reason_label(code: str) -> str:
    return label(REASON, code)
