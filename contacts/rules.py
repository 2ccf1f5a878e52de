"""The contact status machine (STATUS-1..4, IMPORT-7). Pure: no Django, no I/O.

Which cause may move a contact from which status to which:
- only a confirmed double opt-in turns U, B (or D) into A (STATUS-2, STATUS-4);
- nothing leaves D except a new signup, i.e. a confirmed double opt-in (STATUS-4);
- an import never makes U, B or D active, and never raises a status (IMPORT-7);
- bounces make A contacts B (STATUS-3); complaints and unsubscribes make them U;
- a signup on a form creates a new address as A (the person declared consent) with a
  *pending* subscription, so nothing is mailed before the confirmation; it never changes an
  existing contact's status — that takes the confirmed double opt-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.addresses import InvalidAddress, domain_of, normalise_address
from core.workdays import add_working_days


class Status(StrEnum):
    ACTIVE = "A"
    UNSUBSCRIBED = "U"
    BOUNCED = "B"
    DELETED = "D"


class Cause(StrEnum):
    USER = "user"
    IMPORT = "import"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE_LINK = "unsubscribe_link"
    DOI_CONFIRMED = "doi_confirmed"
    OPERATOR = "operator"
    DELETION = "deletion"
    SIGNUP = "signup"


class LegalBasis(StrEnum):
    """CONSENT-1: the only bases under which a contact may be mailed."""

    DOUBLE_OPT_IN = "double_opt_in"
    EXISTING_CUSTOMER = "existing_customer"
    BUSINESS_CARD = "business_card"
    OFFLINE_FORM = "offline_form"
    CO_REGISTRATION = "co_registration"


class TrackingBasis(StrEnum):
    """CONSENT-4: how a contact agreed to open and click tracking."""

    SIGNUP_FORM = "signup_form"  # the separate box on a signup form, with its wording
    PREFERENCE_CENTRE = "preference_centre"  # the person switched it on themselves
    IMPORT = "import"  # the importer's stated basis, recorded with the import


A, U, B, D = Status.ACTIVE, Status.UNSUBSCRIBED, Status.BOUNCED, Status.DELETED

TRANSITIONS: dict[Cause, frozenset[tuple[Status, Status]]] = {
    Cause.DOI_CONFIRMED: frozenset({(U, A), (B, A), (D, A)}),
    Cause.UNSUBSCRIBE_LINK: frozenset({(A, U), (B, U)}),
    Cause.COMPLAINT: frozenset({(A, U), (B, U)}),
    Cause.BOUNCE: frozenset({(A, B)}),
    # A person at the account records what it learnt (a phone unsubscribe, a dead address);
    # only the person themself can give consent back, so nothing here leads to A.
    Cause.USER: frozenset({(A, U), (A, B), (B, U)}),
    Cause.OPERATOR: frozenset({(A, U), (A, B), (B, U)}),
    # IMPORT-7: an import may only add knowledge that lowers a status, never raise one.
    Cause.IMPORT: frozenset({(A, U), (A, B)}),
    Cause.DELETION: frozenset({(A, D), (U, D), (B, D)}),
    Cause.SIGNUP: frozenset(),
}

INITIAL: dict[Cause, frozenset[Status]] = {
    Cause.DOI_CONFIRMED: frozenset({A}),
    Cause.SIGNUP: frozenset({A}),
    # STATUS-5: a file may carry any of the four values; U/B/D rows are kept for proof.
    Cause.IMPORT: frozenset({A, U, B, D}),
    Cause.USER: frozenset({A, U, B}),
    Cause.OPERATOR: frozenset({A, U, B}),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    changes: bool
    reason: str = ""


def decide_transition(current: Status, target: Status, cause: Cause) -> Decision:
    """May `cause` move a contact from `current` to `target`? Staying put is always allowed."""
    if current == target:
        return Decision(allowed=True, changes=False)
    if (current, target) in TRANSITIONS[cause]:
        return Decision(allowed=True, changes=True)
    if target == A:
        reason = "only a confirmed double opt-in makes a contact active again"
    elif current == D:
        reason = "a deleted contact returns only through a new confirmed signup"
    else:
        reason = f"{cause.value} may not change status {current.value} to {target.value}"
    return Decision(allowed=False, changes=False, reason=reason)


def decide_initial(status: Status, cause: Cause) -> Decision:
    """May a new contact be created with `status` by `cause`?"""
    if status in INITIAL.get(cause, frozenset()):
        return Decision(allowed=True, changes=True)
    return Decision(
        False, False, f"{cause.value} may not create a contact with status {status.value}"
    )


def is_mailable(status: Status) -> bool:
    """STATUS-1: only A contacts receive marketing mail."""
    return status == A


def request_due_on(
    received_on: date, working_days: int, calendar: str, extra_holidays: Iterable[date] = ()
) -> date:
    """UNSUB-2: an unsubscribe received another way is carried out within `working_days`
    working days of the day it arrived (weekends and public holidays do not count)."""
    return add_working_days(received_on, working_days, calendar, extra_holidays)


def request_urgency(due_on: date, today: date, *, open_: bool) -> str:
    """How the page shows a request: overdue, due (today or the next day) or on time."""
    if not open_:
        return "closed"
    if today > due_on:
        return "overdue"
    if (due_on - today).days <= 1:
        return "due"
    return "on_time"


# CONSENT-6: an "unsubscribe me" mail is kept as the evidence of its request up to this
# size; of a larger one (attachments, mostly) the start is kept, which holds the headers
# and the text, and the record names the full size.
MAX_KEPT_MAIL_BYTES = 256 * 1024


def kept_part(raw: bytes, limit: int = MAX_KEPT_MAIL_BYTES) -> bytes:
    """The part of a received mail that is kept: all of it, or its first `limit` bytes."""
    return raw[:limit]


@dataclass(frozen=True)
class UntrustedEntry:
    """What an operator typed for the untrusted list (IMPORT-11): an address, normalised,
    or a whole domain (`@example.de`), IDNA-encoded and lower case."""

    address: str = ""
    domain: str = ""

    @property
    def label(self) -> str:
        return self.address or f"@{self.domain}"


def parse_untrusted(text: str) -> UntrustedEntry:
    """`ULLA@Example.DE` is an address, `@Example.DE` a whole domain; the domain is
    normalised like every address's (core.addresses), so both match case-insensitively."""
    entry = text.strip()
    if entry.startswith("@"):
        name = entry[1:]
        if not name or "@" in name:
            raise InvalidAddress(f"not a domain: {text!r} (write it as @example.de)")
        return UntrustedEntry(domain=domain_of(normalise_address(f"x@{name}")))
    if "@" not in entry:
        raise InvalidAddress(f"not an address or @domain: {text!r}")
    return UntrustedEntry(address=normalise_address(entry))
