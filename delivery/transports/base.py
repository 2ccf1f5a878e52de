"""The transport interface shared by the smtp and sandbox transports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    """One message ready to hand over: raw RFC 5322 bytes (already DKIM-signed where it
    applies) plus the SMTP envelope. `account_id` ties a captured message to its account."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    raw: bytes
    account_id: int | None = None
    kind: str = "transactional"  # transactional (confirmations) or campaign
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """What the receiving side said: the queue id (or sandbox id) and its reply text."""

    message_id: str
    queue_id: str = ""
    response: str = ""


class TransportError(Exception):
    """A failed hand-over. `permanent` (5xx) means do not retry: it is a bounce."""

    def __init__(self, reason: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code


class Transport(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...

    def close(self) -> None: ...
