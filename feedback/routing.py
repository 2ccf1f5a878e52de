"""Which handler an inbound message goes to, by the address it was sent to: one small table.

The platform's abuse addresses come first (ABUSE-1: `settings.ABUSE_ADDRESSES`, by default
abuse@ the platform's own domains); then the local part decides: `unsubscribe+TOKEN@` is a
mailto unsubscribe, `bounces+TOKEN@` the VERP return path, `fbl@` the feedback loop,
`dmarc@` DMARC aggregate reports.
Anything else addressed to a sender domain of an account is a reply to one of its mailings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class Route:
    name: str
    # Matched against the local part of the recipient address.
    local_part: re.Pattern[str]
    # Dotted path of the handler: (message, recipient, params) -> Outcome.
    handler: str


ROUTES: tuple[Route, ...] = (
    # RFC 8058's mailto: unsubscribe+<token>@<From domain> (carrier.tokens).
    # The VERP return path of every campaign mail: bounces+<token>@<From domain>.
    Route(
        "bounce",
        re.compile(r"bounces\+(?P<token>[0-9a-z.]+)", re.IGNORECASE),
        "feedback.handlers.handle_feedback",
    ),
    # Where mailbox providers' feedback loops send their ARF reports (COMPLAINT-1).
    Route(
        "fbl",
        re.compile(r"(?:fbl|feedback-loop|arf)", re.IGNORECASE),
        "feedback.handlers.handle_feedback",
    ),
    # DMARC aggregate reports, asked for by the rua= of every sender domain's DMARC record.
    Route("dmarc", re.compile(r"dmarc", re.IGNORECASE), "feedback.handlers.handle_dmarc_report"),
    Route(
        "mailto",
        re.compile(r"unsubscribe\+(?P<token>[0-9a-z.]+)", re.IGNORECASE),
        "feedback.handlers.handle_mailto",
    ),
)
REPLY = Route("reply", re.compile(r".+"), "feedback.handlers.handle_reply")
ABUSE = Route("abuse", re.compile(r"abuse", re.IGNORECASE), "feedback.handlers.handle_abuse")


def abuse_addresses() -> frozenset[str]:
    """ABUSE-1: the platform's abuse addresses, lowercased."""
    return _abuse_addresses(
        tuple(settings.ABUSE_ADDRESSES), settings.BASE_URL, settings.DEFAULT_FROM_EMAIL
    )


@functools.lru_cache(maxsize=8)
def _abuse_addresses(given: tuple[str, ...], base_url: str, from_email: str) -> frozenset[str]:
    """Worked out once per value of the settings: every recipient of every inbound message
    is routed, and parsing the two settings cost a tenth of a bounce's processing."""
    if given:
        return frozenset(given)
    domains = {
        (urlsplit(base_url).hostname or "").lower(),
        parseaddr(from_email)[1].rpartition("@")[2].lower(),
    }
    return frozenset(f"abuse@{domain}" for domain in domains if domain)


def route_for(recipient: str) -> tuple[Route, dict[str, str]]:
    """The abuse route for an abuse address of the platform; else the first route whose
    pattern matches the recipient's local part, and its groups."""
    if recipient.strip().lower() in abuse_addresses():
        return ABUSE, {}
    local = recipient.rpartition("@")[0]
    for route in ROUTES:
        match = route.local_part.fullmatch(local)
        if match:
            return route, match.groupdict()
    return REPLY, {}
