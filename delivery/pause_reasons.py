"""Why the platform paused or stopped a send: the words kept on the campaign in English
(the API, the CLI, the audit log), and the same shown in the reader's language."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

DOMAIN_PAUSE = gettext_noop("the sender domain %(domain)s stopped passing its checks (%(reason)s)")
CONTENT_STOP = gettext_noop("Stopped by the platform's operator for its content: ")
# DOMAIN_PAUSE as made, its two values taken back out.
_DOMAIN_PAUSE = re.compile(
    r"the sender domain (?P<domain>\S+) stopped passing its checks \((?P<reason>.*)\)", re.DOTALL
)


def pause_reason_text(text: str) -> str:
    """A campaign's pause or stop reason in the active language: the platform's own words
    translated, a domain's check reason too, the operator's words as they were written."""
    if text.startswith(CONTENT_STOP):
        return _(CONTENT_STOP) + text[len(CONTENT_STOP) :]
    match = _DOMAIN_PAUSE.fullmatch(text)
    if match:
        return _(DOMAIN_PAUSE) % {
            "domain": match["domain"],
            "reason": "; ".join(map(_check_text, match["reason"].split("; "))),
        }
    return text


def _check_text(part: str) -> str:
    """One failing check as domains.services words it ("dkim: <reason>"), translated."""
    from domains.reasons import kind_label, localized

    kind, colon, message = part.partition(": ")
    if not colon:
        return localized(part)
    return f"{kind_label(kind)}: {localized(message)}"
