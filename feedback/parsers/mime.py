"""Reading inbound MIME safely with the stdlib `email` package (BOUNCE-1).

Bounces are written by every kind of software, often badly: wrong or unknown charsets,
8-bit headers, truncated parts. Every helper here returns '' or an empty value instead of
raising; `parse_feedback` keeps a last safety net on top.
"""

from __future__ import annotations

import email
import email.header
import email.parser
import email.policy
import re
from email.message import Message
from urllib.parse import unquote, urlsplit

from core.addresses import InvalidAddress, normalise_address
from feedback.parsers.report import OriginalMessage

# compat32 never raises on header access and keeps the raw values, which is what a parser of
# foreign mail wants; the default policy's header objects raise on some malformed input.
_POLICY = email.policy.compat32
# An address starts where a run of local-part characters starts: without the look-behind a
# search would retry at every character of a long run, quadratic on hostile input.
ADDRESS_PATTERN = r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
ADDRESS = re.compile(ADDRESS_PATTERN)
VERP = re.compile(r"\bbounces\+([^@\s<>\"']+)@", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_ENTITIES = {"&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'"}


def load(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=_POLICY)


def load_headers(text: str) -> Message:
    """A header block (text/rfc822-headers, message/feedback-report, a DSN field group)."""
    return email.parser.Parser(policy=_POLICY).parsestr(text.lstrip("\r\n"), headersonly=True)


def header(msg: Message, name: str) -> str:
    """One header, RFC 2047 words decoded, whitespace folded; '' when absent or broken."""
    value = msg.get(name)
    if value is None:
        return ""
    return decode_words(value)


# Longer header values are not a mail system's doing; decoding them whole would only cost
# time (the stdlib decoder is quadratic in the number of encoded words).
MAX_HEADER = 8 * 1024
# The readable text of a report that is read: a real one is a few KB, followed at most by a
# copy of our message, whose headers come first.
MAX_TEXT = 128 * 1024


def decode_words(value: object) -> str:
    text = str(value)[:MAX_HEADER]
    if "=?" not in text:
        return " ".join(text.split())
    try:
        pieces = []
        for chunk, charset in email.header.decode_header(text):
            if isinstance(chunk, bytes):
                pieces.append(_decode(chunk, charset))
            else:
                pieces.append(chunk)
        text = "".join(pieces)
    except Exception:  # a broken encoded word: keep the raw text
        text = str(value)[:MAX_HEADER]
    return " ".join(text.split())


# The report's own headers that the readers and `feedback.rules.is_auto_reply` look at;
# decoding the others (Received, DKIM-Signature, ...) would only cost time.
HEADERS_READ = frozenset(
    {
        "from",
        "to",
        "subject",
        "return-path",
        "received",
        "x-failed-recipients",
        "auto-submitted",
        "precedence",
        "x-autoreply",
        "x-autorespond",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
    }
)


def headers_of(msg: Message) -> dict[str, str]:
    """The first value of each header the readers look at, decoded, under its own name."""
    found: dict[str, str] = {}
    for name in msg:
        if name.lower() in HEADERS_READ and name not in found:
            found[name] = header(msg, name)
    return found


def _decode(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    # latin-1 decodes any bytes: the old European mail systems' charset anyway.
    return data.decode("latin-1")


def payload_of(part: Message) -> object:
    """`part.get_payload()`, which raises on some broken charset names (a NUL in one): then
    the payload as the parser stored it, undecoded."""
    try:
        return part.get_payload()
    except Exception:
        return getattr(part, "_payload", "")


def text_of(part: Message) -> str:
    """The decoded text of a leaf part (transfer encoding and charset undone)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return _decode(payload, part.get_content_charset())
    raw = payload_of(part)
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):  # a header-group part parsed into messages (delivery-status)
        return "\n\n".join(m.as_string() for m in raw if isinstance(m, Message))
    return ""


# Each part with its content type, computed once: the readers look at the types often.
Parts = list[tuple[str, Message]]


def parts_of(msg: Message) -> Parts:
    """Every part, depth first, with its content type; attached messages (message/rfc822)
    are not entered: their text is our own mailing, not the report."""
    found: Parts = []
    stack = [msg]
    while stack:
        part = stack.pop()
        # A parameter folded without its ";" ("text/plain\n   charset=...") stays in the type.
        ctype = part.get_content_type().split()[0].rstrip(";")
        found.append((ctype, part))
        if ctype.startswith("message/"):
            continue
        payload = payload_of(part)
        if isinstance(payload, list):
            stack.extend(sub for sub in reversed(payload) if isinstance(sub, Message))
    return found


def human_text(parts: Parts) -> str:
    """The readable text of a report: its text/plain parts, else its HTML without tags."""
    plain = [text_of(p)[:MAX_TEXT] for ctype, p in parts if ctype == "text/plain"]
    if any(t.strip() for t in plain):
        return "\n\n".join(plain)[:MAX_TEXT]
    html = [text_of(p)[:MAX_TEXT] for ctype, p in parts if ctype == "text/html"]
    return "\n\n".join(strip_html(h) for h in html)[:MAX_TEXT]


def strip_html(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>|</h\d>", "\n", html)
    text = _TAGS.sub(" ", html)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def part_of_type(parts: Parts, *types: str) -> Message | None:
    for ctype, part in parts:
        if ctype in types:
            return part
    return None


# Where a plain-text bounce starts quoting the returned message (Exim, qmail, Sendmail,
# T-Online, Yahoo, and the German/French wordings).
ORIGINAL_MARKERS = re.compile(
    r"^[ \t|=*#-]*+[^\n]{0,12}(?:This is a copy of the message|"
    r"Below this line is a copy of the message|Original message follows|"
    r"Original message headers|Headers? of the original message|"
    r"Message text follows|Unsent message (?:below|follows)|Ursprüngliche Nachricht|"
    r"ursprünglichen Nachricht|Message d'origine|Copie du message)[^\n]{0,40}$",
    re.IGNORECASE | re.MULTILINE,
)


def original_message(parts: Parts, text: str = "") -> Message | None:
    """Our message as returned by the report: an attached message/rfc822, a
    text/rfc822-headers part, or a header block quoted after a marker in the text."""
    for ctype, part in parts[1:]:
        if ctype in ("message/rfc822", "message/global"):
            inner = payload_of(part)
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
            if isinstance(inner, str) and inner.strip():
                return load_headers(inner)
        if ctype in ("text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"):
            return load_headers(text_of(part))
    if text:
        marker = ORIGINAL_MARKERS.search(text)
        if marker:
            return load_headers(text[marker.end() :].lstrip("\r\n -"))
    return None


def original_fields(original: Message | None) -> OriginalMessage:
    if original is None:
        return OriginalMessage()
    list_unsubscribe = header(original, "List-Unsubscribe")
    return OriginalMessage(
        message_id=header(original, "Message-ID").strip(),
        mailing_id=header(original, "X-Mailing-ID").strip(),
        to=header(original, "To"),
        return_path=header(original, "Return-Path").strip("<> "),
        list_unsubscribe=list_unsubscribe,
        unsubscribe_token=unsubscribe_token(list_unsubscribe),
        provider_recipient=clean_address(header(original, "X-HmXmrOriginalRecipient")),
    )


def unsubscribe_token(list_unsubscribe: str) -> str:
    """The token in our List-Unsubscribe header (CONTENT-1): the `unsubscribe+TOKEN@` local
    part of the mailto, else the last path segment of the HTTPS link; not verified here."""
    links = re.findall(r"<([^>]+)>", list_unsubscribe) or list_unsubscribe.split(",")
    for link in links:
        match = re.match(r"\s*mailto:[^+@]*\+([^@?]+)@", link, re.IGNORECASE)
        if match:
            return unquote(match.group(1))
    for link in links:
        link = link.strip()
        if link.lower().startswith(("https://", "http://")):
            try:
                segments = [s for s in urlsplit(link).path.split("/") if s]
            except ValueError:
                continue
            if segments:
                return unquote(segments[-1])
    return ""


def verp_token(*texts: str) -> str:
    """The token of a `bounces+TOKEN@` address (VERP), unverified: the verp module checks it."""
    for text in texts:
        match = VERP.search(text or "")
        if match:
            return match.group(1)
    return ""


def clean_address(value: str) -> str:
    """An address from a report field (`rfc822; <a@b.example>`), normalised; '' if none."""
    value = value.strip()
    if ";" in value:
        value = value.split(";", 1)[1]
    found = ADDRESS.search(value)
    if not found:
        return ""
    try:
        return normalise_address(found.group(0).strip("."))
    except InvalidAddress:
        return found.group(0)
