"""Outbound transports: one small interface, `send(message) -> SendResult`.

Every transport raises `TransportError(reason, permanent=...)`: permanent (5xx) failures
become bounces, temporary ones (4xx, timeouts) are retried (SEND-6, STYLE 8).
"""

from __future__ import annotations

from carrier.transports.base import OutboundMessage, SendResult, Transport, TransportError
from carrier.transports.registry import get_transport, reset_transport, sandbox_active

__all__ = [
    "OutboundMessage",
    "SendResult",
    "Transport",
    "TransportError",
    "get_transport",
    "reset_transport",
    "sandbox_active",
]
