"""SEND-5 as pure arithmetic: how many messages a shared rate lets through in one window.

A rate is counted in windows of WINDOW_SECONDS, numbered from the epoch. A limit of L
messages per minute allows floor((w + 1) * L / 60) - floor(w * L / 60) messages in window
w: at most ceil(L / 60) in any second, exactly L in every minute that starts on a full
minute, and never more than L in any 60 windows in a row. A worker asks for tokens of the
current window for a lane (the buckets one message counts against); it gets what every
bucket of the lane still has, and tokens it does not use die with their window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

WINDOW_SECONDS = 1


@dataclass(frozen=True)
class Bucket:
    """One shared counter: `key` names it across workers, `per_minute` is its limit."""

    key: str
    per_minute: int


Lane = tuple[Bucket, ...]


def window_of(now: float) -> int:
    return math.floor(now / WINDOW_SECONDS)


def window_end(window: int) -> float:
    return (window + 1) * WINDOW_SECONDS


def allowance(per_minute: int, window: int) -> int:
    """The messages one bucket lets through in window `window` (spread evenly, whole)."""
    per_window = per_minute * WINDOW_SECONDS
    return (window + 1) * per_window // 60 - window * per_window // 60


def used_now(stored_window: int, stored_used: int, window: int) -> int | None:
    """How much of `window` a stored counter has used; None when the counter is already in
    a later window (another worker's clock runs ahead): nothing is left for this one."""
    if stored_window == window:
        return stored_used
    if stored_window < window:
        return 0
    return None


def take_all(
    requests: Sequence[tuple[Lane, int]], used: Mapping[str, int | None], window: int
) -> tuple[list[int], dict[str, int]]:
    """Grant each request (lane, wanted) in turn what all its buckets still have in
    `window`; returns the grants and the counters after them. `used` holds every bucket
    key of the requests (None: nothing left, see `used_now`)."""
    after: dict[str, int] = {}
    limits: dict[str, int] = {}
    for lane, _want in requests:
        for bucket in lane:
            if used[bucket.key] is None:
                limits[bucket.key] = 0
                after[bucket.key] = 0
            else:
                limits[bucket.key] = allowance(bucket.per_minute, window)
                after[bucket.key] = int(used[bucket.key] or 0)
    grants = []
    for lane, want in requests:
        grant = max(0, min([want, *(limits[b.key] - after[b.key] for b in lane)]))
        for bucket in lane:
            after[bucket.key] += grant
        grants.append(grant)
    return grants, after


def reduced(per_minute: int, share: Decimal | float) -> int:
    """A rate at `share` of normal (an account under measures, a test send); at least 1."""
    return max(1, math.floor(per_minute * Decimal(str(share))))


def per_minute_of(per_second: float | Decimal) -> int:
    return max(1, math.floor(Decimal(str(per_second)) * 60))
