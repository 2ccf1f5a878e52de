"""RFC 5965 feedback reports (ARF): multipart/report; report-type=feedback-report.

The feedback loops of the large mailbox providers send one when a person presses "this is
spam" (COMPLAINT-1). The machine-readable part names the feedback type and often the
original recipient; the third part returns our message, whole (message/rfc822) or its
headers only (text/rfc822-headers), where X-Mailing-ID and the List-Unsubscribe token lead
back to campaign and contact even when the provider has redacted the recipient address.
"""

from __future__ import annotations

import re
from email.message import Message

from feedback.parsers.mime import (
    Parts,
    clean_address,
    header,
    load_headers,
    part_of_type,
    payload_of,
    text_of,
)
from feedback.parsers.report import Complaint

ARF_TYPES = ("message/feedback-report",)


def feedback_part(parts: Parts) -> Message | None:
    return part_of_type(parts, *ARF_TYPES)


# The report's fields written into a text part (senders that label the part text/plain).
_FIELDS_IN_TEXT = re.compile(r"^Feedback-Type:[ \t]*[\w-]+[ \t]*$", re.IGNORECASE | re.MULTILINE)


def is_arf(msg: Message, parts: Parts) -> bool:
    report_type = msg.get_param("report-type", header="content-type") or ""
    if isinstance(report_type, tuple):  # RFC 2231 value: (charset, language, text)
        report_type = report_type[2]
    return str(report_type).lower() == "feedback-report" or feedback_part(parts) is not None


def fields_in_text(text: str) -> str:
    """The block of feedback-report fields in a text part ('' if none)."""
    found = _FIELDS_IN_TEXT.search(text[:MAX_FIELDS])
    if found is None:
        return ""
    return re.split(r"\r?\n[ \t]*\r?\n", text[found.start() : found.start() + MAX_FIELDS])[0]


MAX_FIELDS = 16 * 1024


def parse_arf(parts: Parts, text: str = "") -> Complaint | None:
    """The feedback report's fields; None if the message has neither a feedback-report part
    nor the report's fields in its text."""
    part = feedback_part(parts)
    if part is None:
        block = fields_in_text(text)
        return _complaint(load_headers(block)) if block else None
    payload = payload_of(part)
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        # Some senders' parts come out pre-parsed; their groups are one header block here.
        fields = payload[0]
        for extra in payload[1:]:
            if isinstance(extra, Message):
                for name, value in extra.items():
                    fields[name] = value
    else:
        fields = load_headers(text_of(part))
    return _complaint(fields)


def _complaint(fields: Message) -> Complaint:
    recipients = tuple(
        address
        for address in (clean_address(str(v)) for v in fields.get_all("Original-Rcpt-To") or [])
        if address
    )
    return Complaint(
        feedback_type=header(fields, "Feedback-Type").lower(),
        user_agent=header(fields, "User-Agent"),
        original_mail_from=clean_address(header(fields, "Original-Mail-From")),
        original_rcpt_to=recipients,
        arrival_date=header(fields, "Arrival-Date") or header(fields, "Received-Date"),
        reported_domain=header(fields, "Reported-Domain"),
        source_ip=header(fields, "Source-IP"),
    )


def is_jmrp(original: Message | None) -> bool:
    """Microsoft's older junk-mail reports (JMRP) are no ARF: just the reported message,
    attached, with the headers Outlook.com/Hotmail add to it (the recipient it was
    delivered to, the reporter's address)."""
    return original is not None and bool(
        header(original, "X-HmXmrOriginalRecipient") or header(original, "X-Reporter-IP")
    )
