"""Bounce reasons: a pure function from (status code, diagnostic text) to a fixed reason,
hard or soft, and whether the sender rather than the recipient is at fault (INDUSTRY-4).

The patterns, codes and their precedence are data: `reasons.toml` beside this module, with
the order in which the failure's words, its enhanced status code (RFC 3463) and the SMTP
command it answered are read, and how each reason maps to the reference classifier's. This
module only applies that table.

Only reasons that say the address does not exist (`user_unknown`, `domain_unknown`) are
hard, and only with a permanent (5) class: they make the contact B at the first bounce
(STATUS-3). Everything else is soft and counts towards the repeated-failure rule, including
`mailbox_disabled`: RFC 3463 says a disabled mailbox may be enabled again, and the
repeated-failure rule makes a mailbox that stays disabled B soon enough.

Sender-side rejections (policy, authentication, blocklists, rate limits, content) are never
a recipient bounce (INDUSTRY-4): they are flagged `sender_side` and are never hard.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedback.parsers.report import RecipientResult

TABLE_FILE = Path(__file__).with_name("reasons.toml")


def _load_table() -> dict[str, Any]:
    with TABLE_FILE.open("rb") as handle:
        return tomllib.load(handle)


_TABLE = _load_table()


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


@dataclass(frozen=True)
class _Rule:
    reason: str
    strong: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    certain: re.Pattern[str] | None


# Each reason's flags, stated at its first entry in the table.
_FLAGS: dict[str, dict[str, object]] = {}
for _entry in _TABLE["reason"]:
    _FLAGS.setdefault(_entry["name"], _entry)

REASONS: tuple[str, ...] = tuple(_FLAGS)
# INDUSTRY-4: the address itself is gone.
HARD_REASONS = frozenset(name for name, flags in _FLAGS.items() if flags.get("hard"))
# INDUSTRY-4 / issue 8: the problem is the sender's (its IP, domain, authentication, rate or
# message), so the recipient is not bounced; it counts towards the send's health instead.
SENDER_SIDE_REASONS = frozenset(name for name, f in _FLAGS.items() if f.get("sender_side"))
# The reasons that are about the recipient's mailbox, not the sender.
_RECIPIENT_SIDE = frozenset({"user_unknown", "domain_unknown", "mailbox_full", "mailbox_disabled"})
# Text reasons that outweigh an address code (x.1.1 "over quota").
_BEATS_ADDRESS_CODE = frozenset(n for n, f in _FLAGS.items() if f.get("beats_address_code"))
# The reference classifier's reasons (Sisimai) -> the group of ours each falls in.
REASON_GROUPS: dict[str, tuple[str, ...]] = {
    name: tuple(members) for name, members in _TABLE["groups"].items()
}
SISIMAI_REASONS: dict[str, tuple[str, ...]] = {
    theirs: next(g for g in REASON_GROUPS.values() if name in g)
    for name, flags in _FLAGS.items()
    for theirs in flags.get("sisimai", ())  # type: ignore[attr-defined]
}

# Reference reasons that a soft result of these reasons also agrees with (see the table).
SOFT_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    theirs: tuple(ours) for theirs, ours in _TABLE["soft_equivalents"].items()
}

_RULES: tuple[_Rule, ...] = tuple(
    _Rule(
        e["name"],
        _compile(e.get("certain_patterns", []) + e.get("patterns", [])),
        _compile(e.get("weak_patterns", [])),
        _compile(e.get("certain_patterns", [])),
    )
    for e in _TABLE["reason"]
)
_CODES: dict[tuple[int, int], str] = {
    (int(k.split(".")[0]), int(k.split(".")[1])): v for k, v in _TABLE["codes"].items()
}
for _key, _reason in _TABLE["code_ranges"].items():
    _subject, _details = _key.split(".")
    _low, _high = (int(n) for n in _details.split("-"))
    _CODES.update(dict.fromkeys(((int(_subject), d) for d in range(_low, _high + 1)), _reason))
SES_SUBTYPES: dict[str, str] = dict(_TABLE["ses_subtypes"])
_SUBJECTS: dict[int, str] = {int(k): v for k, v in _TABLE["subjects"].items()}
_TEMPORARY_SUBJECTS: dict[int, str] = {int(k): v for k, v in _TABLE["temporary_subjects"].items()}
_COMMANDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile("|".join(patterns), re.IGNORECASE))
    for name, patterns in _TABLE["commands"].items()
)
# The address codes: whatever most texts say, the address is gone.
_ADDRESS_CODES = frozenset({(1, 1), (1, 2), (1, 3), (1, 6)})
# x.1.y: the recipient's address (x.1.7 and x.1.8 are the sender's), proof enough for "user
# unknown" words; Office 365's 5.1.351 ("the remote server said ...") included.
_ADDRESS_DETAILS = frozenset(range(1000)) - {7, 8}

ENHANCED_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
# A failure reply code at the start of a line or after a separator: "550 ", "550-", "550:",
# "#550" (a 2xx in a bounce is an address or a greeting, never the failure).
SMTP_CODE = re.compile(r"(?:^|[\s#:;'(\[])([45][0-5]\d)(?=[\s\-:,)\]]|$)")
# Only this much of a text is read for words: a reply is a few hundred characters.
MAX_TEXT = 4000


@dataclass(frozen=True)
class Classification:
    reason: str
    hard: bool
    sender_side: bool


def find_enhanced_code(text: str) -> str:
    """The first RFC 3463 enhanced status code in a text (`5.1.1`), or ''."""
    match = ENHANCED_CODE.search(text)
    return ".".join(match.groups()) if match else ""


def find_smtp_code(text: str) -> str:
    """The first SMTP reply code in a text (`550`), or ''."""
    match = SMTP_CODE.search(text)
    return match.group(1) if match else ""


def _text_reason(text: str, *, weak: bool) -> str:
    """The first reason of the table whose words the text holds ('' if none); `weak` also
    reads the words that only count where no code says more."""
    text = text[:MAX_TEXT]
    for rule in _RULES:
        if rule.strong is not None and rule.strong.search(text):
            return rule.reason
    if weak:
        for rule in _RULES:
            if rule.weak is not None and rule.weak.search(text):
                return rule.reason
    return ""


def _certain(reason: str, text: str) -> bool:
    """Whether the text words `reason` in one of the wordings that need no evidence."""
    return any(r.reason == reason and r.certain and r.certain.search(text) for r in _RULES)


def reason_from_text(text: str) -> str:
    """The reason a diagnostic text gives in English, German or French; `other` if none."""
    return _text_reason(text, weak=True) or "other"


def smtp_command(text: str) -> str:
    """The SMTP stage a failure answered, as the bounce words it: rcpt, data, mail, connect
    or '' (the earliest mention in the text counts)."""
    found = [(m.start(), name) for name, p in _COMMANDS if (m := p.search(text[:MAX_TEXT]))]
    return min(found)[1] if found else ""


def classify(
    status: str,
    diagnostic: str = "",
    *,
    context: str = "",
    action: str = "failed",
    final: bool = False,
) -> Classification:
    """INDUSTRY-4: the reason, hard/soft and sender-side flag of one failed recipient.

    `status` is an enhanced code (`5.1.1`), a reply code (`550`) or ''; the code is also
    looked for in the diagnostic when `status` gives none. `context` is the text around the
    diagnostic (the bounce's paragraph about this recipient): it tells the SMTP command, and
    its words count when neither the diagnostic nor the code names a reason. `final`: a
    delivery report says the mail system gave up (Action: failed), so a temporary address
    code was its last answer. The precedence is documented in reasons.toml.
    """
    status = (status or "").strip()
    diagnostic = diagnostic or ""
    enhanced = find_enhanced_code(status)
    quoted = find_enhanced_code(diagnostic)
    if not enhanced or (enhanced.endswith(".0.0") and quoted[:1] == enhanced[:1]):
        enhanced = quoted or enhanced  # the server's own code says more than a generic one
    basic = find_smtp_code(status) or find_smtp_code(diagnostic)
    klass = int(enhanced[0]) if enhanced else int(basic[0]) if basic else 0
    if klass == 2:
        return Classification("other", hard=False, sender_side=False)
    subject, detail = (int(n) for n in enhanced.split(".")[1:]) if enhanced else (0, 0)
    reason = _text_reason(diagnostic, weak=False)
    if subject == 7 and not quoted and find_smtp_code(diagnostic) and reason in _RECIPIENT_SIDE:
        # The 5.7.x is the reporting system's gloss on a reply that had no enhanced code of
        # its own ("553 Invalid recipient" reported as 5.7.1): the server's words decide.
        subject, detail = 0, 0
    coded = _CODES.get((subject, detail), "")
    if (subject, detail) == (1, 10) and not re.search(r"null mx", diagnostic, re.I):
        coded = "user_unknown"  # Office 365 uses 5.1.10 for "recipient not found" too

    if (subject, detail) in _ADDRESS_CODES and reason not in _BEATS_ADDRESS_CODE:
        reason = coded
    elif (subject, detail) == (2, 2):
        reason = coded  # mailbox full: the code is as specific as any wording
    elif subject == 7 or (subject == 1 and coded in SENDER_SIDE_REASONS):
        # x.7.x, and x.1.7 / x.1.8 (the sender's address): the sender was refused.
        if (coded and detail > 1) or reason not in SENDER_SIDE_REASONS:
            reason = coded if detail > 1 else _text_reason(diagnostic, weak=True)
        if reason not in SENDER_SIDE_REASONS:
            reason = coded if klass == 5 else _TEMPORARY_SUBJECTS.get(7, coded)
        reason = reason or _SUBJECTS[7]
    reason = reason or coded or _SUBJECTS.get(subject, "")
    reason = reason or _text_reason(diagnostic, weak=True)
    reason = reason or _text_reason(context, weak=False)
    if not reason and klass == 4 and basic == "421" and subject == 0:
        reason = "rate_limited"  # a bare 421: the server closes on us
    if not reason and action == "delayed":
        reason = "expired"  # still queued: news that it takes long, not a failure
    reason = reason or "other"

    unproven = False
    address_code = subject == 1 and detail in _ADDRESS_DETAILS
    if (
        reason == "user_unknown"
        and not address_code
        and not _certain(reason, f"{diagnostic} {context}")
    ):
        # "User unknown" words are proof at RCPT TO. After DATA the recipient was accepted
        # and the message judged: a filter's verdict. With a code that says nothing about
        # the address and no command, they are a soft bounce (reasons.toml, 5).
        command = smtp_command(diagnostic) or smtp_command(context)
        if command == "data":
            reason = "content_rejected"
        unproven = command != "rcpt"
    if klass == 0:
        # No code anywhere: a plain-text bounce; only its words tell whether it is final.
        klass = 5 if reason in HARD_REASONS else 4
    sender_side = subject == 7 or reason in SENDER_SIDE_REASONS
    gone = klass == 5 or (final and klass == 4 and (subject, detail) in _ADDRESS_CODES)
    hard = gone and reason in HARD_REASONS and not sender_side and not unproven
    return Classification(reason, hard=hard, sender_side=sender_side)


def judge(
    recipient: str,
    status: str,
    diagnostic: str,
    action: str = "failed",
    *,
    context: str = "",
    final: bool = False,
    **found: str,
) -> RecipientResult:
    """One recipient's result, classified; only a final failure bounces (a delay warning is
    news, never hard). `found` carries the DSN's Original-Recipient and Remote-MTA."""
    verdict = classify(status, diagnostic, context=context, action=action, final=final)
    return RecipientResult(
        recipient=recipient,
        status=status,
        reason=verdict.reason,
        hard=verdict.hard and action == "failed",
        sender_side=verdict.sender_side,
        diagnostic=diagnostic,
        action=action,
        **found,
    )
