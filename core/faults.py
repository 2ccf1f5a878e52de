"""Fault points for crash tests: a process SIGKILLs itself where a test chose.

`CONSENTRY_FAULT=<point>@<n>[,<point>@<n>…]` kills the process (SIGKILL, as a lost machine
or the kernel's OOM killer would) the n-th time it reaches `<point>`. Unset, as in any real
installation, a point costs one dictionary look-up. The points are named where they are
placed (`fault("send.handed_over")`); the crash tests (delivery/tests/test_crash.py) use
them to stop a worker inside a batch, inside the periodic tending and between the SMTP
hand-over and the ledger write.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "CONSENTRY_FAULT"

_lock = threading.Lock()
_armed: dict[str, int] | None = None


def _parse(spec: str) -> dict[str, int]:
    armed: dict[str, int] = {}
    for part in spec.split(","):
        name, _, count = part.strip().partition("@")
        if name:
            armed[name] = int(count or 1)
    return armed


def fault(point: str) -> None:
    """Die here if a test asked for it (see the module's text)."""
    global _armed
    if _armed is None:
        _armed = _parse(os.environ.get(ENV, ""))
    if point not in _armed:
        return
    with _lock:
        _armed[point] -= 1
        if _armed[point] > 0:
            return
    os.kill(os.getpid(), signal.SIGKILL)
