"""Fixed-window rate limits for public endpoints, counted in Django's cache.

One process keeps its counts in local memory (the default cache); several web processes or
machines share them once `CONSENTRY_CACHE_URL` names a Redis server. A limit never needs
the database, so a flood of requests is turned away before it costs a query.
"""

from __future__ import annotations

import time

from django.core.cache import caches


def allow(scope: str, key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Count one request of `key` in `scope`; False once `limit` were counted this window."""
    window = int(time.time() // window_seconds)
    name = f"rl:{scope}:{window}:{key}"
    cache = caches["default"]
    # add() is atomic in every backend: the first request of a window creates the counter.
    if cache.add(name, 1, timeout=window_seconds + 1):
        return limit >= 1
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add() and incr()
        cache.add(name, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit
