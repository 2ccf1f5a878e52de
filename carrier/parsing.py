"""Reading a raw message back: its headers, text part and HTML part, for the sandbox pages.

Lenient on purpose: a malformed message is still shown (with its defects), never refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy


@dataclass(frozen=True)
class ParsedMessage:
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")


def _header_value(value: object) -> str:
    # Decoded (RFC 2047) where it can be; the raw text where the header is malformed.
    try:
        return str(value)
    except Exception:  # the email package raises assorted errors on broken headers
        return repr(value)


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError):
        content = None
    if not isinstance(content, str):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    # Bodies travel with CRLF; a page shows lines.
    return content.replace("\r\n", "\n")


def parse_message(raw: bytes) -> ParsedMessage:
    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    headers = [(name, _header_value(value)) for name, value in message.items()]
    defects = [type(d).__name__ for part in message.walk() for d in part.defects]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return ParsedMessage(
        headers=headers,
        text=_content(text_part) if text_part is not None else None,
        html=_content(html_part) if html_part is not None else None,
        defects=defects,
    )


def header_summary(raw: bytes) -> tuple[str, str]:
    """Subject and Message-ID from the header block alone (for the listing copy)."""
    end = raw.find(b"\r\n\r\n")
    head = raw if end < 0 else raw[: end + 2]
    headers = BytesHeaderParser(policy=default_policy).parsebytes(head)
    return _header_value(headers.get("Subject", "")), _header_value(
        headers.get("Message-ID", "")
    ).strip()
