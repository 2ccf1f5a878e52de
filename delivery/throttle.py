"""SEND-5: how fast one worker hands a send's messages over."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# How long a waiting thread sleeps before it looks at the halt flag again.
POLL_SECONDS = 1 / 20


class Throttle:
    """SEND-5: an overall rate, a rate and a concurrency limit per destination domain."""

    def __init__(self, rate: float, domain_rate: float, domain_concurrency: int) -> None:
        self._cond = threading.Condition()
        self._interval = 1.0 / rate
        self._domain_interval = 1.0 / domain_rate
        self._concurrency = domain_concurrency
        self._next = 0.0
        self._domain_next: dict[str, float] = {}
        self._inflight: dict[str, int] = {}

    def acquire(self, domain: str, halted: Callable[[], bool]) -> bool:
        """Wait for a slot; False (holding nothing) when the send halts meanwhile."""
        with self._cond:
            while self._inflight.get(domain, 0) >= self._concurrency:
                if halted():
                    return False
                self._cond.wait(POLL_SECONDS)
            self._inflight[domain] = self._inflight.get(domain, 0) + 1
            now = time.monotonic()
            slot = max(now, self._next, self._domain_next.get(domain, 0.0))
            self._next = slot + self._interval
            self._domain_next[domain] = slot + self._domain_interval
        while (wait := slot - time.monotonic()) > 0:
            if halted():
                self.release(domain)
                return False
            time.sleep(min(wait, POLL_SECONDS))
        return True

    def release(self, domain: str) -> None:
        with self._cond:
            self._inflight[domain] -= 1
            self._cond.notify_all()
