"""Who learns of the rows a send's hand-over failed for the recipient (INDUSTRY-4).

A synchronous rejection at SMTP time counts exactly like a DSN: the feedback app registers
here (`register`) and applies its rules to each such row, as to a bounce report — a hard
one bounces and suppresses the address, soft ones count toward the soft-bounce rule and
every one toward the policy's removal after the last bounce allowed (INDUSTRY-5). The
engine calls `failed_at_hand_over` after it has written the rows; delivery itself stays
below feedback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

# Called with the ids of ledger rows that failed hard or soft (never sender-side ones).
Recorder = Callable[[Sequence[int]], object]

_recorders: list[Recorder] = []


def register(recorder: Recorder) -> None:
    if recorder not in _recorders:
        _recorders.append(recorder)


def failed_at_hand_over(entry_ids: Sequence[int]) -> None:
    """Every recorder sees the rows; one that fails is logged, never loses the outcomes
    the engine already wrote, and never stops the send."""
    if not entry_ids:
        return
    for recorder in _recorders:
        try:
            recorder(entry_ids)
        except Exception:
            logger.exception("recording %s failed hand-overs failed", len(entry_ids))
