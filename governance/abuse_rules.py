"""The abuse desk's pure rules (ABUSE-1, ABUSE-2, INDUSTRY-5): deadlines, the kind of a
case, and the identifiers a complaint quotes. No Django models, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from core.workdays import add_working_days

# INDUSTRY-5: abuse reports are answered within 24 hours (the policy's default).
ANSWER_HOURS = 24
# ABUSE-2: the account produces its proof of consent within one working day.
PROOF_WORKING_DAYS = 1


def answer_due_at(opened_at: datetime, hours: int = ANSWER_HOURS) -> datetime:
    """INDUSTRY-5: when the operator's answer to a case is due: `hours` after it opened."""
    return opened_at + timedelta(hours=hours)


def proof_due_on(
    requested_on: date,
    calendar: str,
    extra_holidays: Iterable[date] = (),
    working_days: int = PROOF_WORKING_DAYS,
) -> date:
    """ABUSE-2: the day by which the account produces its proof: one working day after the
    request (a request on Friday is due on Monday), holidays as for UNSUB-2's deadline."""
    return add_working_days(requested_on, working_days, calendar, extra_holidays)


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and now > due


def proof_is_overdue(due_on: date | None, today: date) -> bool:
    """Late from the day after the due day: the whole due day counts."""
    return due_on is not None and today > due_on


# ABUSE-2: blocklists and the words of authorities and consumer bodies, in the three
# languages of the product; a case of these kinds asks the account for proof at once.
BLOCKLIST_WORDS = re.compile(
    r"\b(?:spamhaus|spamcop|barracuda|sorbs|uceprotect|spamrats|psbl|invaluement|"
    r"surbl|uribl|blocklist(?:ed|ing)?|blacklist(?:ed|ing)?|sperrliste|liste noire|"
    r"\bdnsbl|\brbl)\b",
    re.IGNORECASE,
)
AUTHORITY_WORDS = re.compile(
    r"\b(?:verbraucherzentrale|bundesnetzagentur|datenschutzbeh[oö]rde|aufsichtsbeh[oö]rde|"
    r"landesbeauftragte|staatsanwaltschaft|polizei|abmahnung|cnil|dgccrf|signal[ -]spam|"
    r"autorit[ée]|police|gendarmerie|ministry|authority|regulator|consumer association|"
    r"ico\.org\.uk|eco\.de|verbraucherschutz)\b",
    re.IGNORECASE,
)


def kind_of(subject: str, text: str) -> str:
    """complaint, blocklisting or authority: what the words of a report say it is."""
    sample = f"{subject}\n{text[:20_000]}"
    if BLOCKLIST_WORDS.search(sample):
        return "blocklisting"
    if AUTHORITY_WORDS.search(sample):
        return "authority"
    return "complaint"


# The identifiers our messages carry (CONTENT-4, INDUSTRY-3, carrier.tokens): a person
# quotes one, or forwards the mail with its headers.
MAILING_ID = re.compile(r"\bconsentry-(\d{1,18})-(\d{1,18})\b", re.IGNORECASE)
FEEDBACK_ID = re.compile(r"\b(\d{1,18}):(\d{1,18}):([a-z]{1,20}):([A-Za-z0-9._-]{1,40})\b")
LEDGER_REF = r"[0-9a-z]{1,14}\.[0-9a-z]{1,10}\.[a-z2-7]{26}"
VERP_TOKEN = re.compile(rf"\bbounces\+({LEDGER_REF})@", re.IGNORECASE)
UNSUBSCRIBE_TOKEN = re.compile(rf"(?:/u/|\bunsubscribe\+)({LEDGER_REF})\b", re.IGNORECASE)
MESSAGE_ID = re.compile(r"(?im)^[>\s]*message-id:\s*(<[^<>\s]{3,250}>)")
BARE_TOKEN = re.compile(rf"^{LEDGER_REF}$", re.IGNORECASE)
BARE_MESSAGE_ID = re.compile(r"^<?[^<>\s@]{1,200}@[^<>\s@]{1,200}>?$")


@dataclass(frozen=True)
class Identifiers:
    """What a report quotes, in the order of trust the lookup follows."""

    verp_tokens: tuple[str, ...] = ()
    unsubscribe_tokens: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    feedback_ids: tuple[tuple[int, int], ...] = ()  # (campaign, account)
    mailing_ids: tuple[tuple[int, int], ...] = ()  # (account, campaign)

    def __bool__(self) -> bool:
        return any(
            (
                self.verp_tokens,
                self.unsubscribe_tokens,
                self.message_ids,
                self.feedback_ids,
                self.mailing_ids,
            )
        )


def _unique(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(values))[:10]


def identifiers_in(text: str, *, feedback_sender_id: str = "") -> Identifiers:
    """Every identifier of ours in a report's text (its headers, body and attachments).
    A Feedback-ID counts only with our sender id, so another sender's ids never match."""
    text = text[:500_000]
    feedback = [
        (int(m.group(1)), int(m.group(2)))
        for m in FEEDBACK_ID.finditer(text)
        if not feedback_sender_id or m.group(4).lower() == feedback_sender_id.lower()
    ]
    return Identifiers(
        verp_tokens=_unique(m.group(1).lower() for m in VERP_TOKEN.finditer(text)),
        unsubscribe_tokens=_unique(m.group(1).lower() for m in UNSUBSCRIBE_TOKEN.finditer(text)),
        message_ids=_unique(m.group(1) for m in MESSAGE_ID.finditer(text)),
        feedback_ids=_unique(feedback),
        mailing_ids=_unique((int(m.group(1)), int(m.group(2))) for m in MAILING_ID.finditer(text)),
    )


def identifiers_of_quoted(value: str, *, feedback_sender_id: str = "") -> Identifiers:
    """One identifier a person typed (the lookup): a mailing ID, a Feedback-ID, a token or
    a Message-ID, with or without its angle brackets."""
    value = value.strip()[:500]
    found = identifiers_in(value, feedback_sender_id=feedback_sender_id)
    if found:
        return found
    if BARE_TOKEN.fullmatch(value):
        token = value.lower()
        return Identifiers(verp_tokens=(token,), unsubscribe_tokens=(token,))
    if BARE_MESSAGE_ID.fullmatch(value):
        return Identifiers(message_ids=(f"<{value.strip('<>')}>",))
    return Identifiers()
