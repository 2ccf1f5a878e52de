"""Bounces that are not RFC 3464 reports: the texts of common mail systems (BOUNCE-1).

Postfix, Exim (and GMX/Web.de, which run it), Sendmail, qmail (and Yahoo's qmail-like
bounces), Exchange/Office 365, Gmail, T-Online, Orange, and plain-text "user unknown"
messages in English, German and French. Each reader pulls (recipient, diagnostic) pairs out
of the readable text; `classify` turns the diagnostic into a reason (INDUSTRY-4). The text
before the returned copy of our message is read, never our own mailing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from email.message import Message

from feedback.parsers.classify import find_enhanced_code, find_smtp_code, judge
from feedback.parsers.mime import (
    ADDRESS,
    ADDRESS_PATTERN,
    ORIGINAL_MARKERS,
    clean_address,
    header,
)
from feedback.parsers.report import RecipientResult

_ADDR = ADDRESS_PATTERN

BOUNCE_SENDERS = re.compile(
    r"mailer-daemon|mail-daemon|postmaster|mail delivery|mail administrator|"
    r"mailer daemon|e-mail-system|système de messagerie",
    re.IGNORECASE,
)
BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|"
    r"problem)|mail delivery failed|returned mail|failure notice|could not be delivered|"
    r"delivery notification|nondeliverable|non[- ]?remis|non distribuable|"
    r"échec de (?:la )?(?:remise|distribution)|unzustellbar|nicht zustellbar|"
    r"fehlgeschlagen|warning: (?:message|could not)|delayed mail|not delivered|"
    r"nicht zugestellt|n'a pas pu être (?:remis|distribué)|message bloqué",
    re.IGNORECASE,
)
# Warnings that the message is still queued: news, not a bounce (action `delayed`).
_DELAYED = re.compile(
    r"has not yet been delivered|still undelivered|not yet been delivered|"
    r"warning (?:message )?only|will (?:continue to )?(?:retry|try)|will be retried|"
    r"delivery (?:is )?delayed|"
    r"zustellung (?:ist )?verzögert|noch nicht zugestellt|remise (?:est )?retardée",
    re.IGNORECASE,
)
# Where the technical appendix starts when no marker announces the returned copy.
_HEADER_LINES = re.compile(r"^(?:Received|Return-Path): ", re.IGNORECASE | re.MULTILINE)
_FAILURE_WORDS = re.compile(
    r"unknown|not found|does not exist|doesn't exist|no such|invalid|rejected|refused|"
    r"unavailable|disabled|full|quota|blocked|denied|failed|unbekannt|existiert nicht|"
    r"ungültig|nicht vorhanden|voll|abgelehnt|gesperrt|inconnu|n'existe pas|invalide|"
    r"introuvable|inexistant|pleine|refusé|rejeté|bloqué|\b[45]\d\d\b|error|could not|"
    r"couldn't|unable|not reach|exceeds|timed out|expired|failure|not delivered|not listed|"
    r"失敗|できません|エラー",
    re.IGNORECASE,
)

Pair = tuple[str, str]
# Bounds that keep hostile input linear: a real bounce's report is a few KB and names a few
# recipients; whatever lies beyond is not read (the raw message is kept anyway).
MAX_REPORT = 64 * 1024
MAX_RECIPIENTS = 100
MAX_DIAGNOSTIC = 1000


def looks_like_bounce(headers: Mapping[str, str]) -> bool:
    """Sent by a mail system about a delivery: the sender, subject or markers say so."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return bool(
        BOUNCE_SENDERS.search(lowered.get("from", ""))
        or BOUNCE_SUBJECTS.search(lowered.get("subject", ""))
        or lowered.get("return-path", "").strip() == "<>"
        or "x-failed-recipients" in lowered
    )


def tells_of_failure(text: str) -> bool:
    """The opening of a report says a message could not be delivered (a bounce whose
    headers do not say so: a provider's own sender and a subject in its language)."""
    return bool(BOUNCE_SUBJECTS.search(text[:2000]))


def report_text(text: str) -> str:
    """The text before the returned copy of our message."""
    text = text[:MAX_REPORT]
    ends = [m.start() for m in (ORIGINAL_MARKERS.search(text), _HEADER_LINES.search(text)) if m]
    return text[: min(ends)] if ends else text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


# --- the readers: each returns (recipient, diagnostic) pairs or [] -------------------------

_ANGLE_LEAD = re.compile(rf"^\s*<({_ADDR})>(?:\s*\(expanded from [^)]*\))?\s*:\s*(.*)$")


def read_angle_paragraphs(text: str) -> list[Pair]:
    """Postfix, qmail, Yahoo, Orange: a paragraph starting `<address>:` per recipient."""
    pairs = []
    for block in _paragraphs(text):
        match = _ANGLE_LEAD.match(block[0])
        if match:
            pairs.append((match.group(1), _one_line(" ".join([match.group(2), *block[1:]]))))
    return pairs


_FAILED_LIST = re.compile(
    r"following (?:address(?:\(es\)|es)?|recipients?)(?: had (?:permanent|transient) "
    r"(?:fatal )?errors| failed)?[^\n]{0,80}$|folgende[n]? (?:Adressen|Empfänger)[^\n]{0,80}$|"
    r"destinataires? suivants?[^\n]{0,80}$",
    re.IGNORECASE | re.MULTILINE,
)
_BARE_ADDRESS = re.compile(rf"^\s*(?:[^<>\n:]*<)?({_ADDR})>?\s*:?\s*$")


def read_address_paragraphs(text: str) -> list[Pair]:
    """Exim, GMX/Web.de, Sendmail: after "The following address(es) failed:", an address
    alone on a line, then the lines explaining it."""
    marker = _FAILED_LIST.search(text)
    if not marker:
        return []
    pairs: list[Pair] = []
    current: list[str] | None = None
    for line in text[marker.end() :].splitlines():
        match = _BARE_ADDRESS.match(line)
        if match:
            current = [match.group(1)]
            pairs.append((current[0], ""))
            continue
        if current is None:
            if line.strip() and pairs:
                break
            continue
        if not line.strip():
            if len(current) > 1:
                current = None
            continue
        if re.match(r"^-{3,}|^\s*-{3,}", line):
            break
        current.append(line)
        pairs[-1] = (current[0], _one_line(" ".join(current[1:])))
    return [(address, diag) for address, diag in pairs if address]


_SENDMAIL_LINE = re.compile(
    rf"^\s*(?:<<< )?(\d{{3}}[ -](?:\d\.\d+\.\d+ )?)<?({_ADDR})>?\.\.\.\s*(.*)$"
)


def read_sendmail_transcript(text: str) -> list[Pair]:
    """Sendmail's transcript: `550 5.1.1 <address>... User unknown`."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _SENDMAIL_LINE.match(line)
        if match:
            found.setdefault(match.group(2), _one_line(match.group(1) + match.group(3)))
    return list(found.items())


_EXCHANGE_HASH = re.compile(
    rf"^[ \t]*({_ADDR})[ \t]*\n[ \t]*#?(\d{{3}}[ -]\d\.\d+\.\d+[^\n]*)", re.MULTILINE
)
_EXCHANGE_TO = re.compile(
    rf"(?:Your message to|Delivery has failed to)\s*(?:these recipients or groups:\s*)?"
    rf"[^\n<]{{0,80}}?<?({_ADDR})>?",
    re.IGNORECASE,
)
_EXCHANGE_REPLY = re.compile(r"Remote Server returned\s*'([^']+)'", re.IGNORECASE)


def read_exchange(text: str) -> list[Pair]:
    """Exchange / Office 365 NDRs: `address` then `#550 5.1.1 RESOLVER...`."""
    return [(m.group(1), _one_line(m.group(2).strip("# "))) for m in _EXCHANGE_HASH.finditer(text)]


def read_exchange_sentence(text: str) -> list[Pair]:
    """Exchange's "Your message to address couldn't be delivered" with "Remote Server
    returned '...'": read after the list formats, whose entries can say "your message to"."""
    to = _EXCHANGE_TO.search(text)
    reply = _EXCHANGE_REPLY.search(text)
    if to:
        return [(to.group(1), _one_line(reply.group(1)) if reply else _near(text, to.end()))]
    return []


_GMAIL_TO = re.compile(
    rf"(?:wasn't delivered to|failed permanently:|Delivery to the following recipient "
    rf"(?:failed permanently|has been delayed)[^\n]{{0,40}})\s*<?({_ADDR})>?",
    re.IGNORECASE,
)
_GMAIL_REPLY = re.compile(
    r"(?:The response (?:from the remote server )?was:|The error that the other server "
    r"returned was:|Technical details of (?:permanent|temporary) failure:)\s*\n"
    r"((?:[^\n]+\n?)+)",
    re.IGNORECASE,
)


def read_gmail(text: str) -> list[Pair]:
    """Gmail's own bounces: "Your message wasn't delivered to address because ...", then
    "The response from the remote server was:" and the reply."""
    to = _GMAIL_TO.search(text)
    if not to:
        return []
    replies = list(_GMAIL_REPLY.finditer(text))
    # The remote server's own words, when quoted, say more than Gmail's summary of them.
    reply = replies[-1] if replies else None
    return [(to.group(1), _one_line(reply.group(1)) if reply else _near(text, to.end()))]


_TONLINE_LINE = re.compile(rf"^[ \t]*<?({_ADDR})>?[ \t]*\.{{2,}}[ \t]*(.+)$", re.MULTILINE)


def read_t_online(text: str) -> list[Pair]:
    """T-Online: `|--- Failed addresses follow: ---|` then `<address> ... reason`."""
    start = re.search(r"Failed addresses follow|Fehlgeschlagene Adressen", text, re.I)
    if not start:
        return []
    section = text[start.end() :]
    end = re.search(r"Message text follows|Nachrichtentext folgt", section, re.I)
    section = section[: end.start()] if end else section
    return [(m.group(1), _one_line(m.group(2))) for m in _TONLINE_LINE.finditer(section)]


# Addresses a bounce names that are not the failed recipient: its own senders and the
# helpdesks its boilerplate points to.
_NOT_RECIPIENTS = re.compile(r"^(?:support|help|helpdesk|abuse|no-?reply|bounces\+)", re.I)
# Lines that are a header of the quoted original or of the bounce, not its report.
_HEADER_LINE = re.compile(
    r"^\s*(?:message-id|in-reply-to|references|(?:mail )?from|von|de|to|an|à|cc|sender|reply-to|"
    r"return-path|envelope-from|subject|date|received|x-[\w-]+)\s*:",
    re.IGNORECASE,
)


def _recipients_in(line: str) -> list[str]:
    # A postmaster can be a recipient that failed; the mail system's own daemon never is.
    return [
        a
        for a in ADDRESS.findall(line)
        if not (re.match(r"mail(?:er)?-daemon@", a, re.I) or _NOT_RECIPIENTS.search(a))
    ]


def read_plain(text: str, fallback_recipients: tuple[str, ...] = ()) -> list[Pair]:
    """Any wording (en/de/fr): the lines naming an address and a failure; else, when the
    text tells of a failure without naming anyone, the original message's recipient."""
    pairs: dict[str, str] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _HEADER_LINE.match(line):
            continue
        addresses = _recipients_in(line)
        if not addresses:
            continue
        # The diagnostic is usually on the address's line or the few after it.
        following = [x for x in lines[i + 1 : i + 8] if x.strip()][:3]
        context = _one_line(" ".join([line, *following]))[:MAX_DIAGNOSTIC]
        if _FAILURE_WORDS.search(context):
            for address in addresses:
                pairs.setdefault(address, context)
        if len(pairs) >= MAX_RECIPIENTS:
            break
    if pairs:
        return list(pairs.items())
    failure = _FAILURE_WORDS.search(text)
    if failure and fallback_recipients:
        line_start = text.rfind("\n", 0, failure.start()) + 1
        return [(r, _near(text, line_start)) for r in fallback_recipients]
    return []


def read_lone_addresses(text: str) -> list[Pair]:
    """A report that tells of a failure and names addresses only outside the sentences that
    say so (a list under a heading, "Failure Reasons" above the address): every address it
    names outside header lines, the report's words read as each one's context."""
    if not _FAILURE_WORDS.search(text):
        return []
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not _HEADER_LINE.match(line):
            found.update((a, "") for a in _recipients_in(line) if a not in found)
    return list(found.items())[:MAX_RECIPIENTS]


def about(text: str, address: str, others: tuple[str, ...] = ()) -> str:
    """What a report's text says about one recipient: each run of lines from a line naming
    it up to a blank line or a line naming another recipient; the whole text when it never
    names the recipient and `others` is empty (a report about one person). One line,
    bounded."""
    lines = text.splitlines()
    lowered = address.lower()
    rivals = [o.lower() for o in others if o.lower() != lowered]
    kept: list[str] = []
    inside = False
    for line in lines:
        low = line.lower()
        if lowered in low:
            inside = True
        elif not line.strip() or any(o in low for o in rivals):
            inside = False
        if inside:
            kept.append(line)
    if not kept:
        return "" if others else _one_line(text)[: MAX_DIAGNOSTIC * 4]
    return _one_line(" ".join(kept))[: MAX_DIAGNOSTIC * 2]


def _near(text: str, start: int) -> str:
    """The paragraph from `start`: the diagnostic when no reply line is marked."""
    rest = text[start:].lstrip(" :.\t\r\n")
    return _one_line(re.split(r"\n\s*\n", rest, maxsplit=1)[0])[:500]


# --- which mail system wrote it ---------------------------------------------------------

_FINGERPRINTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("t-online", r"t-online\.de|Failed addresses follow"),
        ("gmx", r"@(?:[\w.-]+\.)?(?:gmx\.(?:net|de|at|ch|com)|web\.de)\b"),
        ("orange", r"@(?:[\w.-]+\.)?(?:orange\.fr|wanadoo\.fr)\b|OFR\d*_\d+"),
        ("yahoo", r"@(?:[\w.-]+\.)?(?:yahoo(?:inc)?\.com|yahoo\.[a-z.]+|aol\.com)\b"),
        (
            "gmail",
            r"@(?:[\w.-]+\.)?(?:google\.com|googlemail\.com|gmail\.com)\b.*daemon|"
            r"daemon.*@(?:[\w.-]+\.)?(?:google|googlemail|gmail)\.com|wasn't delivered to",
        ),
        (
            "exchange",
            r"RESOLVER\.|Diagnostic information for administrators|"
            r"Remote Server returned|Microsoft Exchange|Office 365|outlook\.com",
        ),
        ("qmail", r"qmail-send|This is the qmail"),
        ("sendmail", r"Transcript of session follows|permanent fatal errors"),
        ("exim", r"mail delivery software|X-Failed-Recipients|retry timeout exceeded"),
        ("postfix", r"This is the mail system at host|Postfix"),
    )
)


def fingerprint(headers: Mapping[str, str], text: str) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    sender = lowered.get("from", "") + " " + lowered.get("received", "")
    for name, pattern in _FINGERPRINTS:
        if pattern.search(sender):
            return name
    for name, pattern in _FINGERPRINTS:
        if pattern.search(text):
            return name
    return "plain"


_READERS: tuple[Callable[[str], list[Pair]], ...] = (
    read_t_online,
    read_exchange,
    read_gmail,
    read_sendmail_transcript,
    read_angle_paragraphs,
    read_address_paragraphs,
    read_exchange_sentence,
)


def parse_heuristic(
    msg: Message, text: str, headers: Mapping[str, str], original_to: str = ""
) -> tuple[str, list[RecipientResult]]:
    """(format, recipients) of a non-standard bounce; no recipients if none is named."""
    body = report_text(text)
    pairs: list[Pair] = []
    for reader in _READERS:
        pairs = reader(body)
        if pairs:
            break
    if not pairs:
        failed = header(msg, "X-Failed-Recipients")
        named = tuple(a for a in (clean_address(x) for x in failed.split(",")) if a)
        # X-Failed-Recipients (Exim, Google) names them; the text may greet the sender.
        pairs = [(a, "") for a in named] or read_plain(body) or read_lone_addresses(body)
    if not pairs:
        to = tuple(a for a in (clean_address(x) for x in original_to.split(",")) if a)
        pairs = read_plain(body, to)
    action = "delayed" if _DELAYED.search(body) else "failed"
    results: list[RecipientResult] = []
    seen = set()
    named = tuple(raw for raw, _ in pairs[:MAX_RECIPIENTS])
    for raw_address, diagnostic in pairs[:MAX_RECIPIENTS]:
        address = clean_address(raw_address)
        if not address or address in seen:
            continue
        seen.add(address)
        # A report about one person: all its words are about that person.
        context = _one_line(body)[: MAX_DIAGNOSTIC * 4] if len(named) == 1 else ""
        context = context or about(body, raw_address, named)
        status = find_enhanced_code(diagnostic) or find_smtp_code(diagnostic)
        if not status and not diagnostic.strip():
            status = find_enhanced_code(context) or find_smtp_code(context)
        results.append(judge(address, status, diagnostic, action, context=context))
    return fingerprint(headers, text), results
