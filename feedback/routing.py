"""Which handler an inbound message goes to, by the address it was sent to: one small table.

The local part decides: `unsubscribe+TOKEN@` is a mailto unsubscribe, and later issues add
the VERP bounce address and the feedback-loop address here. Anything else addressed to a
sender domain of an account is a reply to one of its mailings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
    Route(
        "mailto",
        re.compile(r"unsubscribe\+(?P<token>[0-9a-z.]+)", re.IGNORECASE),
        "feedback.handlers.handle_mailto",
    ),
)
REPLY = Route("reply", re.compile(r".+"), "feedback.handlers.handle_reply")


def route_for(recipient: str) -> tuple[Route, dict[str, str]]:
    """The first route whose pattern matches the recipient's local part, and its groups."""
    local = recipient.rpartition("@")[0]
    for route in ROUTES:
        match = route.local_part.fullmatch(local)
        if match:
            return route, match.groupdict()
    return REPLY, {}
