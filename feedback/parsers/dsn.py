"""RFC 3464 delivery status notifications: multipart/report; report-type=delivery-status.

One RecipientResult per per-recipient field group (Final-Recipient, Action, Status,
Diagnostic-Code, Original-Recipient, Remote-MTA), classified by the rules in `classify`
(BOUNCE-1, INDUSTRY-4).
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from email.message import Message

from feedback.parsers.classify import find_enhanced_code, find_smtp_code, judge
from feedback.parsers.heuristics import about
from feedback.parsers.mime import (
    Parts,
    clean_address,
    decode_words,
    header,
    load_headers,
    part_of_type,
    payload_of,
    text_of,
)
from feedback.parsers.report import RecipientResult

DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")


def delivery_status_part(parts: Parts) -> Message | None:
    """The machine-readable part of a DSN, wherever the MTA put it."""
    return part_of_type(parts, *DSN_TYPES)


def field_groups(part: Message) -> list[Message]:
    """The header blocks of a delivery-status part: the per-message group first, then one
    per recipient. `email` parses them itself unless the part was transfer-encoded."""
    payload = payload_of(part)
    encoded = part.get("Content-Transfer-Encoding", "").lower() in ("base64", "quoted-printable")
    if isinstance(payload, list) and all(isinstance(m, Message) for m in payload) and not encoded:
        return list(payload)
    text = text_of(part) if not isinstance(payload, list) else _decoded_groups(part)
    blocks = re.split(r"\r?\n[ \t]*\r?\n", text.strip())
    return [load_headers(block) for block in blocks if block.strip()]


def _decoded_groups(part: Message) -> str:
    # A transfer-encoded delivery-status was parsed as header groups of encoded text: put
    # the text back together and decode it whole.
    payload = payload_of(part)
    groups = payload if isinstance(payload, list) else []
    raw = "".join(m.as_string() for m in groups if isinstance(m, Message))
    if part.get("Content-Transfer-Encoding", "").lower() == "quoted-printable":
        return quopri.decodestring(raw.encode("utf-8", "replace")).decode("utf-8", "replace")
    try:
        return base64.b64decode(re.sub(r"\s+", "", raw), validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return raw


def _typed_value(value: str) -> str:
    """`smtp; 550 5.1.1 ...` -> `550 5.1.1 ...`; `dns; mx.example` -> `mx.example`."""
    kind, sep, rest = value.partition(";")
    if sep and re.fullmatch(r"\s*[\w.-]+\s*", kind):
        return rest.strip()
    return value.strip()


def effective_status(status: str, diagnostic: str) -> str:
    """The most specific code: a generic Status (`5.0.0`) yields to the server's own reply
    code in Diagnostic-Code when both are permanent or both temporary; a Status that is no
    code at all yields to whatever code the diagnostic gives."""
    status = find_enhanced_code(status)
    from_reply = find_enhanced_code(diagnostic)
    if from_reply and (not status or (status.endswith(".0.0") and status[0] == from_reply[0])):
        return from_reply
    return status or find_smtp_code(diagnostic)


def original_message_id(parts: Parts) -> str:
    """The Message-ID some MTAs (Gmail, Exchange) name in the per-message group, for when the
    report does not return our message's headers."""
    part = delivery_status_part(parts)
    if part is None:
        return ""
    for group in field_groups(part)[:1]:
        return header(group, "X-Original-Message-ID")
    return ""


def parse_dsn(parts: Parts, text: str = "") -> list[RecipientResult]:
    """Every recipient of an RFC 3464 report; [] if it has no delivery-status part.

    `text` is the report's human-readable part: what it says about a recipient tells the
    SMTP command the failure answered, and stands in for a missing Diagnostic-Code."""
    part = delivery_status_part(parts)
    if part is None:
        return []
    return _judged(field_groups(part), text)


_QUOTED_GROUPS = re.compile(r"^(?:Final|Original)-Recipient:", re.IGNORECASE | re.MULTILINE)


def parse_quoted_dsn(whole: str, text: str = "") -> list[RecipientResult]:
    """The delivery-status fields of a report that is not where MIME says: quoted in the
    text of a forwarded or re-wrapped bounce, or behind a broken boundary. `whole` is the
    message's raw text; the field groups are the blank-line separated blocks from the first
    recipient field on, as long as they are fields."""
    start = _QUOTED_GROUPS.search(whole)
    if start is None:
        return []
    groups = []
    for block in re.split(r"\r?\n[ \t]*\r?\n", whole[start.start() : start.start() + 64 * 1024]):
        if not re.match(r"^[\w-]+:", block.strip()):
            break
        groups.append(load_headers(block))
    return _judged(groups, text or whole)


def _judged(field_groups: list[Message], text: str) -> list[RecipientResult]:
    groups = [
        (group, clean_address(_typed_value(final)))
        for group in field_groups
        # Without a recipient it is the per-message group (Reporting-MTA, Arrival-Date).
        if (final := header(group, "Final-Recipient") or header(group, "X-Actual-Recipient"))
    ]
    everyone = tuple(recipient for _, recipient in groups if recipient)
    results = []
    for group, recipient in groups:
        action = _action(header(group, "Action"))
        context = about(text, recipient, everyone if len(everyone) > 1 else ()) if text else ""
        diagnostic = _typed_value(decode_words(group.get("Diagnostic-Code", "")))
        if not diagnostic.strip() and (find_enhanced_code(context) or find_smtp_code(context)):
            diagnostic = context
        status = effective_status(header(group, "Status"), diagnostic)
        original = clean_address(_typed_value(header(group, "Original-Recipient")))
        remote_mta = _typed_value(header(group, "Remote-MTA"))
        results.append(
            judge(
                recipient,
                status,
                diagnostic,
                action,
                context=context,
                final=header(group, "Action").lower().startswith("failed"),
                original_recipient=original,
                remote_mta=remote_mta,
            )
        )
    return results


# RFC 3464 names five actions; some MTAs write their own words for them.
_ACTIONS = {"deliverable": "delivered", "expired": "failed", "failure": "failed"}


def _action(value: str) -> str:
    word = value.lower().split(" ")[0] or "failed"
    return _ACTIONS.get(word, word)
