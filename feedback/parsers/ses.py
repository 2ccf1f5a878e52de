"""Amazon SES notifications that arrive as mail (an SNS topic's e-mail subscription, or a
forwarded event): JSON, not RFC 3464, naming bounced, complained-about or delivered
recipients (BOUNCE-1, COMPLAINT-1).

The JSON is the SES notification itself or the SNS envelope around it (`Message` holding
the notification as a string). SES's bounce subtypes stand in for a status code where the
recipient's entry has none (reasons.toml, [ses_subtypes]).
"""

from __future__ import annotations

import json
import re
from typing import Any

from feedback.parsers.classify import SES_SUBTYPES, judge
from feedback.parsers.mime import clean_address
from feedback.parsers.report import Complaint, RecipientResult

# A notification is a few KB; a long recipient list is still well within this.
MAX_JSON = 256 * 1024
# The field naming the notification's type, in the JSON or escaped in the SNS envelope.
_MARKER = re.compile(r'\\?"(?:notificationType|eventType)\\?"\s*:')


def notification(text: str) -> dict[str, Any] | None:
    """The SES notification in a text, or None if it holds none."""
    found = _MARKER.search(text[:MAX_JSON])
    if found is None:
        return None
    start = text.rfind("{", 0, found.start())
    while start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:MAX_JSON])
        except ValueError:
            start = text.rfind("{", 0, start)
            continue
        if isinstance(value, dict) and isinstance(value.get("Message"), str):
            try:
                value = json.loads(value["Message"])
            except ValueError:
                return None
        return value if isinstance(value, dict) else None
    return None


def kind_of(note: dict[str, Any]) -> str:
    """bounce, complaint, delivered, or '' for SES events we do not read (sends, opens)."""
    kind = str(note.get("notificationType") or note.get("eventType") or "").lower()
    return {"bounce": "bounce", "complaint": "complaint", "delivery": "delivered"}.get(kind, "")


def bounced(note: dict[str, Any]) -> list[RecipientResult]:
    bounce = note.get("bounce") or {}
    permanent = str(bounce.get("bounceType", "")).lower() == "permanent"
    subtype = SES_SUBTYPES.get(str(bounce.get("bounceSubType", "")), "")
    results = []
    for entry in bounce.get("bouncedRecipients") or []:
        if not isinstance(entry, dict):
            continue
        diagnostic = str(entry.get("diagnosticCode") or "")
        diagnostic = diagnostic.split(";", 1)[1].strip() if ";" in diagnostic[:12] else diagnostic
        status = str(entry.get("status") or "") or (subtype if permanent else "4.0.0")
        results.append(
            judge(
                clean_address(str(entry.get("emailAddress", ""))),
                status,
                diagnostic,
                "failed",
                final=permanent,
            )
        )
    return results


def delivered(note: dict[str, Any]) -> list[RecipientResult]:
    delivery = note.get("delivery") or {}
    return [
        RecipientResult(
            recipient=clean_address(str(address)),
            status="2.0.0",
            reason="",
            hard=False,
            sender_side=False,
            diagnostic=str(delivery.get("smtpResponse", "")),
            action="delivered",
        )
        for address in delivery.get("recipients") or []
    ]


def complaint(note: dict[str, Any]) -> Complaint:
    found = note.get("complaint") or {}
    recipients = tuple(
        address
        for address in (
            clean_address(str(r.get("emailAddress", "")))
            for r in found.get("complainedRecipients") or []
            if isinstance(r, dict)
        )
        if address
    )
    mail = note.get("mail") or {}
    return Complaint(
        feedback_type=str(found.get("complaintFeedbackType") or "abuse").lower(),
        user_agent=str(found.get("userAgent") or "Amazon SES"),
        original_mail_from=clean_address(str(mail.get("source", ""))),
        original_rcpt_to=recipients,
        arrival_date=str(found.get("arrivalDate") or found.get("timestamp") or ""),
    )


def message_id(note: dict[str, Any]) -> str:
    """Our Message-ID as SES saw it in the mail's headers, for matching."""
    mail = note.get("mail") or {}
    for item in mail.get("headers") or []:
        if isinstance(item, dict) and str(item.get("name", "")).lower() == "message-id":
            return str(item.get("value", "")).strip()
    common = mail.get("commonHeaders") or {}
    return str(common.get("messageId", "")).strip()
