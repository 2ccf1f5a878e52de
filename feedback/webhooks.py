"""Bounces and complaints reported by relay providers' webhooks (BOUNCE-2, BOUNCE-1,
COMPLAINT-1): Amazon SES (SNS), SendGrid, Mailgun and Postmark through django-anymail's
tracking signal, and a generic signed JSON webhook for relays anymail does not know.

The same three steps as inbound mail (STYLE: detect → record → apply): each event is kept
raw first as an InboundMessage (route `webhook:<esp>`), in its own transaction, so nothing
is lost and the operators' review queue covers it; then it becomes a FeedbackReport and
`apply_report` matches it to the ledger row (the message's Message-ID, else the recipient),
records it once and applies the policy. What cannot be read or matched waits for review.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason, tracking
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from core.errors import InvalidInput
from feedback.models import InboundMessage, InboundState
from feedback.parsers.classify import classify, find_enhanced_code, find_smtp_code
from feedback.parsers.mime import unsubscribe_token
from feedback.parsers.report import Complaint, FeedbackReport, OriginalMessage, RecipientResult
from feedback.services import receive

log = logging.getLogger(__name__)

EventKind = Literal["bounce", "deferral", "complaint"]

# What anymail's normalised event types mean here. `rejected` is the relay refusing to send
# (a known-bad or suppressed address): a bounce like any other, classified by its text.
# A deferral is counted as a soft bounce, never a hard one; the repeated-failure rule
# (STATUS-3) and one event per ledger row keep a relay's retries from counting twice.
ANYMAIL_KINDS: dict[str, EventKind] = {
    EventType.BOUNCED: "bounce",
    EventType.REJECTED: "bounce",
    EventType.DEFERRED: "deferral",
    EventType.COMPLAINED: "complaint",
}
# A relay refusing an address it holds as unsubscribed or complained about is no bounce: an
# operator looks at the contact (the consent record is ours, not the relay's).
HELD_REJECTIONS = {RejectReason.UNSUBSCRIBED: "unsubscribed", RejectReason.SPAM: "complained"}
GENERIC_KINDS: dict[str, EventKind] = {"bounce": "bounce", "complaint": "complaint"}
SIGNATURE_PREFIX = "sha256="
MAX_GENERIC_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProviderEvent:
    """One recipient's bounce or complaint as a provider reported it."""

    esp: str
    kind: EventKind
    recipient: str
    message_id: str = ""
    status: str = ""
    diagnostic: str = ""
    original: OriginalMessage = field(default_factory=OriginalMessage)
    feedback_type: str = ""
    user_agent: str = ""


def esp_key(esp_name: str) -> str:
    """anymail's display name as a route name: "Amazon SES" -> "amazon_ses"."""
    return esp_name.strip().lower().replace(" ", "_")


# Store, then process ------------------------------------------------------------------


def keep_raw(raw: bytes, *, esp: str, recipient: str = "", peer: str = "") -> InboundMessage:
    """Keep the event exactly as it arrived, before anything reads it (invariant 7)."""
    rcpt_to = [recipient] if recipient else []
    return receive(raw, mail_from="", rcpt_to=rcpt_to, peer=peer, route=f"webhook:{esp}")


def hold_for_review(raw: bytes, *, esp: str, reason: str) -> InboundMessage:
    """A provider message that is not an event but needs a person (an SNS subscription)."""
    message = keep_raw(raw, esp=esp)
    return _conclude(message, InboundState.REVIEW, reason)


def process_event(message: InboundMessage, event: ProviderEvent) -> InboundMessage:
    """Match, record once and apply one stored event; a failure leaves it for review."""
    from feedback.apply import apply_report

    try:
        with transaction.atomic():
            state, lines = apply_report(message, to_report(event))
    except Exception as exc:  # a bug or an event no one foresaw: kept for review, never lost
        log.exception("webhook event %s (%s) failed", message.pk, event.esp)
        return _conclude(message, InboundState.REVIEW, f"{type(exc).__name__}: {exc}")
    reason = f"{event.esp} {event.kind}: " + "; ".join(lines)
    return _conclude(message, InboundState(state), reason)


def _conclude(message: InboundMessage, state: InboundState, reason: str) -> InboundMessage:
    event = message.events.select_related("account").first() if message.pk else None
    message.state = state
    message.reason = reason[:5000]
    message.account = event.account if event is not None else None
    message.processed_at = timezone.now()
    message.save(update_fields=["state", "reason", "account", "processed_at"])
    return message


def to_report(event: ProviderEvent) -> FeedbackReport:
    """The event in the parsers' shape, so webhooks and DSNs share one record-and-apply."""
    original = OriginalMessage(
        # Our own Message-ID where the provider quotes it (SES), else the provider's.
        message_id=event.original.message_id or event.message_id,
        mailing_id=event.original.mailing_id,
        to=event.recipient,
        list_unsubscribe=event.original.list_unsubscribe,
        unsubscribe_token=event.original.unsubscribe_token,
    )
    source = f"webhook:{event.esp}"
    if event.kind == "complaint":
        complaint = Complaint(
            feedback_type=event.feedback_type or "abuse",
            user_agent=event.user_agent,
            original_rcpt_to=(event.recipient,) if event.recipient else (),
        )
        return FeedbackReport("complaint", source, original=original, complaint=complaint)
    verdict = classify(event.status, event.diagnostic)
    result = RecipientResult(
        recipient=event.recipient,
        status=event.status or find_enhanced_code(event.diagnostic),
        reason=verdict.reason,
        # A deferral is never final, whatever its text says (INDUSTRY-4: 4.x.x is soft).
        hard=verdict.hard and event.kind == "bounce",
        sender_side=verdict.sender_side,
        diagnostic=event.diagnostic,
    )
    return FeedbackReport("bounce", source, recipients=(result,), original=original)


# anymail's tracking signal ------------------------------------------------------------


@receiver(tracking, dispatch_uid="consentry.feedback.webhooks")
def on_tracking(sender: object, event: AnymailTrackingEvent, esp_name: str, **_: Any) -> None:
    """BOUNCE-2: a provider's bounce, rejection, deferral or complaint, kept then applied.
    Opens, clicks and deliveries are not feedback and are not kept."""
    kind = ANYMAIL_KINDS.get(event.event_type)
    if kind is None:
        return
    esp = esp_key(esp_name)
    message = keep_raw(_raw_of(event), esp=esp, recipient=event.recipient or "")
    held = HELD_REJECTIONS.get(event.reject_reason)
    if event.event_type == EventType.REJECTED and held:
        reason = f"{esp} refused to send: the address {held} at the relay; check the contact"
        _conclude(message, InboundState.REVIEW, reason)
        return
    try:
        found = from_anymail(esp, kind, event)
    except Exception as exc:  # an unreadable event is kept for review, never dropped
        log.exception("webhook event %s (%s) unreadable", message.pk, esp)
        _conclude(message, InboundState.REVIEW, f"unreadable {esp} event: {exc}")
        return
    process_event(message, found)


def _raw_of(event: AnymailTrackingEvent) -> bytes:
    esp_event = event.esp_event
    if hasattr(esp_event, "lists"):  # Mailgun's legacy form posts arrive as a QueryDict
        esp_event = dict(esp_event.lists())
    try:
        return json.dumps(esp_event, default=str, ensure_ascii=False).encode()
    except (TypeError, ValueError):
        return repr(esp_event).encode()


def from_anymail(esp: str, kind: EventKind, event: AnymailTrackingEvent) -> ProviderEvent:
    """anymail's normalised event, with the status code each provider adds on its own."""
    recipient = (event.recipient or "").strip()
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    texts = [t for t in (event.mta_response, event.description) if t]
    diagnostic = " ".join(str(t) for t in texts)
    status = _provider_status(esp, esp_event, recipient) or find_enhanced_code(diagnostic)
    return ProviderEvent(
        esp=esp,
        kind=kind,
        recipient=recipient,
        message_id=str(event.message_id or ""),
        status=status or find_smtp_code(diagnostic),
        diagnostic=diagnostic[:2000],
        original=_ses_original(esp_event) if esp == "amazon_ses" else OriginalMessage(),
        feedback_type=str(event.description or "") if kind == "complaint" else "",
        user_agent=str(event.user_agent or ""),
    )


def _provider_status(esp: str, esp_event: dict[str, Any], recipient: str) -> str:
    """The enhanced status code where the provider gives it in a field of its own."""
    if esp == "amazon_ses":
        for bounced in esp_event.get("bounce", {}).get("bouncedRecipients", []):
            if str(bounced.get("emailAddress", "")).lower() == recipient.lower():
                return str(bounced.get("status") or "")
    if esp == "sendgrid":
        return str(esp_event.get("status") or "")
    if esp == "mailgun":
        delivery = esp_event.get("event-data", {}).get("delivery-status") or {}
        return str(delivery.get("enhanced-code") or delivery.get("code") or "")
    return ""


def _ses_original(ses_event: dict[str, Any]) -> OriginalMessage:
    """SES replaces the Message-ID with its own, but its notifications carry our headers:
    the original Message-ID, X-Mailing-ID and List-Unsubscribe match the ledger row."""
    mail = ses_event.get("mail") or {}
    headers = {
        str(h.get("name", "")).lower(): str(h.get("value", "")) for h in mail.get("headers", [])
    }
    common = mail.get("commonHeaders") or {}
    list_unsubscribe = headers.get("list-unsubscribe", "")
    return OriginalMessage(
        message_id=headers.get("message-id", "") or str(common.get("messageId") or ""),
        mailing_id=headers.get("x-mailing-id", ""),
        list_unsubscribe=list_unsubscribe,
        unsubscribe_token=unsubscribe_token(list_unsubscribe),
    )


# The generic JSON webhook -------------------------------------------------------------


# How far a delivery's X-Consentry-Timestamp may be from our clock, either way.
GENERIC_WINDOW_SECONDS = 300


def generic_signature(body: bytes, timestamp: str, secret: str) -> str:
    """`sha256=<hex>`: HMAC-SHA256, keyed by the secret, of `<timestamp>.` and the raw body."""
    signed = timestamp.encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str, timestamp: str, secret: str, *, now: float) -> bool:
    """`X-Consentry-Signature` right for this body and `X-Consentry-Timestamp` (Unix
    seconds, within GENERIC_WINDOW_SECONDS of `now`), compared in constant time."""
    if not secret or not header.startswith(SIGNATURE_PREFIX) or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > GENERIC_WINDOW_SECONDS:
        return False
    expected = generic_signature(body, timestamp, secret)
    return hmac.compare_digest(
        expected, SIGNATURE_PREFIX + header[len(SIGNATURE_PREFIX) :].strip().lower()
    )


def replay_key(body: bytes) -> str:
    """The same body is one delivery, whatever its timestamp."""
    return "generic:" + hashlib.sha256(body).hexdigest()


def read_generic(body: bytes) -> ProviderEvent:
    """`{"event": "bounce"|"complaint", "recipient", "message_id", "status", "diagnostic"}`;
    anything else is refused with a message saying what is wrong."""
    if len(body) > MAX_GENERIC_BYTES:
        raise InvalidInput(f"the body is larger than {MAX_GENERIC_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    kind = GENERIC_KINDS.get(str(data.get("event", "")))
    if kind is None:
        raise InvalidInput('"event" must be "bounce" or "complaint"')
    fields = {}
    for name in ("recipient", "message_id", "status", "diagnostic"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise InvalidInput(f'"{name}" must be a string')
        fields[name] = value.strip()
    if "@" not in fields["recipient"]:
        raise InvalidInput('"recipient" must be an email address')
    return ProviderEvent(
        esp="generic",
        kind=kind,
        recipient=fields["recipient"],
        message_id=fields["message_id"][:500],
        status=fields["status"][:20],
        diagnostic=fields["diagnostic"][:2000],
    )


def receive_generic(body: bytes, *, peer: str = "") -> InboundMessage:
    """A signed generic event: read (a bad one raises InvalidInput), kept raw, applied."""
    event = read_generic(body)
    message = keep_raw(body, esp="generic", recipient=event.recipient, peer=peer)
    return process_event(message, event)
