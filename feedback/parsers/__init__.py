"""Reading bounces, complaints and automatic replies: `parse_feedback(raw)` (BOUNCE-1,
COMPLAINT-1, INDUSTRY-4).

Pure Python over the stdlib `email` package (and Mailman's `flufl.bounce`): no Django
models, no database, no network. The order of the readers is the order of trust: an ARF
report (or Microsoft's JMRP), an RFC 3464 DSN, an Amazon SES notification, delivery-status
fields quoted where MIME does not say, the texts of known mail systems, and last Mailman's
detectors; a mail system's bounce is never taken for an automatic reply, even when it
carries Auto-Submitted or Precedence: bulk. A success report is kind `delivered`. How a
failure's words and codes become a reason is the table in reasons.toml (classify.py).
Whatever the input, the answer is a FeedbackReport; what cannot be read is `unknown` with
a note saying why, for the operators' review queue (invariant 7: nothing is dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from email.message import Message
from typing import Any

from flufl.bounce import all_failures

from feedback.parsers import mime, ses
from feedback.parsers.arf import fields_in_text, is_arf, is_jmrp, parse_arf
from feedback.parsers.classify import judge
from feedback.parsers.dsn import (
    delivery_status_part,
    original_message_id,
    parse_dsn,
    parse_quoted_dsn,
)
from feedback.parsers.heuristics import (
    about,
    looks_like_bounce,
    parse_heuristic,
    report_text,
    tells_of_failure,
)
from feedback.parsers.report import (
    Complaint,
    FeedbackReport,
    Kind,
    OriginalMessage,
    RecipientResult,
)
from feedback.rules import is_auto_reply

__all__ = [
    "Complaint",
    "FeedbackReport",
    "Kind",
    "OriginalMessage",
    "RecipientResult",
    "parse_feedback",
]

# Where the bounce's own envelope recipient (our VERP address) shows in its headers.
_ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "to")
# Kept short: a note is shown in a table row of the review queue.
_NOTE_LENGTH = 300
# The report parts come first and the returned copy's headers before its body, so a real
# report is read whole well within this; beyond it the stdlib's MIME parse alone would take
# seconds per megabyte of hostile input. The raw message is stored whole anyway.
MAX_MESSAGE = 2 * 1024 * 1024
# How much of a message Mailman's detectors read: they scan line by line with dozens of
# patterns each, seconds per megabyte of junk; a bounce's report is its first few KB.
MAX_FLUFL = 32 * 1024
# How much of the raw message is searched for quoted delivery-status fields.
MAX_QUOTED = 256 * 1024


def parse_feedback(raw: bytes, *, envelope_to: Sequence[str] = ()) -> FeedbackReport:
    """What one inbound message is, and about whom. Never raises.

    `envelope_to` are the SMTP RCPT TO addresses when known (the inbound listener has them):
    the VERP token is looked for there first.
    """
    try:
        data = bytes(raw)
        report = _parse(data[:MAX_MESSAGE], tuple(envelope_to))
        if len(data) > MAX_MESSAGE and not report.note:
            report = replace(report, note=f"only the first {MAX_MESSAGE // 1024} KB were read")
        return report
    except Exception as exc:  # invariant 7: garbage gets a reason, never an exception
        note = f"could not be read: {type(exc).__name__}: {exc}"
        return FeedbackReport(kind="unknown", note=note[:_NOTE_LENGTH])


def _parse(raw: bytes, envelope_to: tuple[str, ...]) -> FeedbackReport:
    if not raw.strip():
        return FeedbackReport(kind="unknown", note="empty message")
    msg = mime.load(raw)
    if not msg.keys():
        return FeedbackReport(kind="unknown", note="no message headers")
    headers = mime.headers_of(msg)
    parts = mime.parts_of(msg)
    text = mime.human_text(parts)
    returned = mime.original_message(parts, text)
    original = mime.original_fields(returned)
    lowered = {name.lower(): value for name, value in headers.items()}
    verp = mime.verp_token(
        *envelope_to, *(lowered.get(name, "") for name in _ENVELOPE_HEADERS), original.return_path
    )

    if is_arf(msg, parts) or fields_in_text(text):
        complaint = parse_arf(parts, text)
        if complaint is not None:
            verp = verp or mime.verp_token(complaint.original_mail_from)
            return _complaint(complaint, original, verp)
    if is_jmrp(returned) and not delivery_status_part(parts):
        return _complaint(Complaint("abuse", "Microsoft JMRP"), original, verp)

    recipients = parse_dsn(parts, report_text(text))
    if recipients and not original.message_id:
        original = replace(original, message_id=original_message_id(parts))
    if recipients:
        return _dsn(recipients, original, verp)

    notification = ses.notification(text) if "Type" in text else None
    if notification is not None and ses.kind_of(notification):
        return _ses(notification, original, verp)

    has_dsn_part = delivery_status_part(parts) is not None
    bounce_like = (
        looks_like_bounce(headers)
        or has_dsn_part
        or (mime.original_message(parts) is not None and tells_of_failure(text))
    )
    if bounce_like:
        # A report's fields quoted in a text or behind a broken MIME boundary.
        # (Amazon WorkMail writes them into its text under "Technical report:".)
        whole = raw[:MAX_QUOTED].decode("utf-8", "replace")
        recipients = parse_quoted_dsn(text, text) or parse_quoted_dsn(whole, report_text(text))
        if recipients:
            return _dsn(recipients, original, verp)
        found = _heuristic(msg, text, headers, original, verp)
        if found is None:
            found = _flufl(msg if len(raw) <= MAX_FLUFL else mime.load(raw[:MAX_FLUFL]), text)
        if found is not None:
            return replace(found, original=original, verp_token=verp)
    if is_auto_reply(headers) and not bounce_like:
        # (A mail system's bounce often carries Precedence: bulk or Auto-Submitted too.)
        return FeedbackReport("autoreply", "autoreply", (), original, verp)
    if verp:
        # Sent to our bounce address but not in a known wording: still worth a try.
        found = _heuristic(msg, text, headers, original, verp)
        if found is not None:
            return found
    if bounce_like or verp:
        note = "looks like a bounce, but names no failed recipient"
    else:
        note = "not a bounce, complaint or automatic reply"
    return FeedbackReport("unknown", "", (), original, verp, note=note)


def _dsn(recipients: list[RecipientResult], original: OriginalMessage, verp: str) -> FeedbackReport:
    if any(r.action in ("failed", "delayed") for r in recipients):
        return FeedbackReport("bounce", "rfc3464", tuple(recipients), original, verp)
    if any(r.action == "delivered" or r.status.startswith("2") for r in recipients):
        # A success report (RFC 3464 Action: delivered, relayed, expanded): nobody bounced.
        delivered = tuple(replace(r, reason="", hard=False, sender_side=False) for r in recipients)
        return FeedbackReport("delivered", "rfc3464", delivered, original, verp)
    return FeedbackReport(
        "unknown",
        "rfc3464",
        tuple(recipients),
        original,
        verp,
        note="a delivery report without failures (relayed or expanded)",
    )


def _ses(note: dict[str, Any], original: OriginalMessage, verp: str) -> FeedbackReport:
    """An Amazon SES notification received as mail."""
    original = (
        original if original.message_id else replace(original, message_id=ses.message_id(note))
    )
    kind = ses.kind_of(note)
    if kind == "complaint":
        return _complaint(ses.complaint(note), original, verp)
    if kind == "delivered":
        return FeedbackReport("delivered", "ses", tuple(ses.delivered(note)), original, verp)
    recipients = tuple(ses.bounced(note))
    if not recipients:
        return FeedbackReport(
            "unknown", "ses", (), original, verp, note="an SES bounce naming no one"
        )
    return FeedbackReport("bounce", "ses", recipients, original, verp)


def _flufl(msg: Message, text: str) -> FeedbackReport | None:
    """Mailman's detectors (flufl.bounce) as the last reader of a bounce: the recipients
    they find, each classified from the report's words."""
    try:
        permanent, temporary = all_failures(msg)
    except Exception:  # a detector tripping over broken input: not ours to raise
        return None
    body = report_text(text)
    found = [(a, "failed") for a in sorted(permanent)] + [
        (a, "delayed") for a in sorted(temporary - permanent)
    ]
    recipients = tuple(
        judge(address, "", "", action, context=about(body, address))
        for address, action in (
            (mime.clean_address(raw.decode("utf-8", "replace")), action) for raw, action in found
        )
        if address
    )
    return FeedbackReport("bounce", "flufl", recipients) if recipients else None


def _heuristic(
    msg: Message,
    text: str,
    headers: dict[str, str],
    original: OriginalMessage,
    verp: str,
) -> FeedbackReport | None:
    source_format, recipients = parse_heuristic(msg, text, headers, original.to)
    if not recipients:
        return None
    return FeedbackReport("bounce", source_format, tuple(recipients), original, verp)


def _complaint(complaint: Complaint, original: OriginalMessage, verp: str) -> FeedbackReport:
    """COMPLAINT-1: one entry per complained-about recipient. When the report names none,
    the provider's own header in the returned copy, else the copy's To (or nothing: the
    matching step then uses the VERP token and the ids)."""
    addresses = (
        complaint.original_rcpt_to
        or tuple(
            a
            for a in [original.provider_recipient]
            + [mime.clean_address(x) for x in original.to.split(",")]
            if a
        )[:1]
    )
    reason = complaint.feedback_type or "abuse"
    recipients = tuple(
        RecipientResult(
            recipient=address,
            status="",
            reason=reason,
            hard=False,
            sender_side=False,
            action="complained",
        )
        for address in addresses or ("",)
    )
    if complaint.feedback_type == "not-spam":
        return FeedbackReport(
            "unknown",
            "arf",
            recipients,
            original,
            verp,
            complaint,
            note="a not-spam feedback report: no complaint",
        )
    return FeedbackReport("complaint", "arf", recipients, original, verp, complaint)
