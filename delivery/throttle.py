"""SEND-5: how fast one worker hands a send's messages over.

The rates are shared by every worker of the platform (delivery.pace); what stays here is
this worker's own limit of messages in flight to one destination domain at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from delivery.pace import POLL_SECONDS, Pace

__all__ = ["POLL_SECONDS", "Throttle"]


class Throttle:
    """SEND-5: a concurrency limit per destination domain, then a token of the shared rates."""

    def __init__(self, pace: Pace, domain_concurrency: int) -> None:
        self.pace = pace
        self._cond = threading.Condition()
        self._concurrency = domain_concurrency
        self._inflight: dict[str, int] = {}

    def acquire(self, domain: str, halted: Callable[[], bool]) -> bool:
        """Wait for a slot and a token; False (holding nothing) when the send halts meanwhile."""
        with self._cond:
            while self._inflight.get(domain, 0) >= self._concurrency:
                if halted():
                    self.pace.forget(domain)
                    return False
                self._cond.wait(POLL_SECONDS)
            self._inflight[domain] = self._inflight.get(domain, 0) + 1
        if not self.pace.acquire(domain, halted):
            self.release(domain)
            return False
        return True

    def release(self, domain: str) -> None:
        with self._cond:
            self._inflight[domain] -= 1
            self._cond.notify_all()
