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
    # The message's Message-ID when the sender knows it: spares parsing the header again.
    message_id: str = ""


@dataclass(frozen=True)
class SendResult:
    """What the receiving side said: the queue id (or sandbox id) and its reply text.

    `message_id` is the message's own Message-ID header. `refused` lists the recipients the
    server turned down while it accepted the message for the others: address → (code, reply).
    """

    message_id: str
    queue_id: str = ""
    response: str = ""
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)


class TransportError(Exception):
    """A failed hand-over. `permanent` (5xx) means do not retry: it is a bounce.

    `stage` says where it failed — connect, tls, auth, mail, rcpt or data — because a
    permanent failure before RCPT (a refused login, a refused sender) is the sender's
    problem, never a reason to mark the recipient bounced (INDUSTRY-4). `refused` holds
    each recipient's reply when every recipient was refused.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        code: int | None = None,
        stage: str = "",
        refused: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.stage = stage
        self.refused = refused or {}


class Transport(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...

    def close(self) -> None: ...
