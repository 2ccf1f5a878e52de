"""Simulated feedback for the sandbox mailbox (issue: watch the whole loop on a fresh
machine): realistic DSNs and ARF reports about a captured campaign message, put through the
same inbound path as real ones (stored raw, routed, parsed, matched, applied)."""

from __future__ import annotations

from email.utils import formatdate, make_msgid

from carrier.models import CapturedMessage
from feedback import services
from feedback.models import InboundMessage

KINDS = ("hard_bounce", "soft_bounce", "complaint")


def dsn(recipient: str, status: str, diagnostic: str, original_message_id: str) -> bytes:
    """An RFC 3464 delivery status notification as a receiving MTA writes it."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {formatdate()}\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.net')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-b1"\r\n'
        "\r\n"
        "--dsn-b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.net.\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        "--dsn-b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822; {recipient}\r\n"
        f"Action: failed\r\nStatus: {status}\r\n"
        "Remote-MTA: dns; mx.example.net\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        "--dsn-b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"To: {recipient}\r\nMessage-ID: {original_message_id}\r\n\r\n"
        "--dsn-b1--\r\n"
    ).encode("ascii")


def arf(recipient: str, original_message_id: str, *, source_ip: str = "192.0.2.25") -> bytes:
    """An RFC 5965 abuse report as a mailbox provider's feedback loop sends it."""
    return (
        "From: Feedback Loop <fbl@fbl.example.net>\r\n"
        "Subject: Abuse report\r\n"
        f"Date: {formatdate()}\r\n"
        f"Message-ID: {make_msgid(domain='fbl.example.net')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="arf-b1"\r\n'
        "\r\n"
        "--arf-b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is an email abuse report for an email message received from you.\r\n\r\n"
        "--arf-b1\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: ExampleFBL/1.0\r\nVersion: 1\r\n"
        f"Original-Rcpt-To: {recipient}\r\nSource-IP: {source_ip}\r\n"
        f"Arrival-Date: {formatdate()}\r\n\r\n"
        "--arf-b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"To: {recipient}\r\nMessage-ID: {original_message_id}\r\n\r\n"
        "--arf-b1--\r\n"
    ).encode("ascii")


def simulate(captured: CapturedMessage, kind: str) -> InboundMessage:
    """Feedback about `captured` as the inbound listener would receive it."""
    if kind not in KINDS:
        raise ValueError(f"kind is one of {', '.join(KINDS)}")
    recipient = captured.rcpt_to[0] if captured.rcpt_to else ""
    domain = captured.mail_from.rpartition("@")[2] or "localhost"
    if kind == "complaint":
        raw, to = arf(recipient, captured.message_id), f"fbl@{domain}"
    elif kind == "hard_bounce":
        raw = dsn(
            recipient, "5.1.1", "550 5.1.1 The email account does not exist", captured.message_id
        )
        to = captured.mail_from
    else:
        raw = dsn(recipient, "4.2.2", "452 4.2.2 Mailbox full", captured.message_id)
        to = captured.mail_from
    message = services.receive(raw, mail_from="", rcpt_to=[to], peer="sandbox")
    return services.process(message)
