"""Rate limits of the public endpoints (UNSUB-1, issue: a flood must not take the site
down), counted in the local cache and in a real Redis server shared by web processes."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.core.cache import caches

from core.ratelimit import allow

REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:6379/15",
}


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_it_allows_the_limit_per_window_and_key_then_refuses(backend: str, settings: Any) -> None:
    if backend == "redis":
        settings.CACHES = {"default": REDIS}
    caches["default"].clear()
    scope = f"test-{secrets.token_hex(4)}"
    assert [allow(scope, "198.51.100.7", limit=3) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    # Another key, or another scope, has its own count.
    assert allow(scope, "198.51.100.8", limit=3)
    assert allow(f"{scope}-other", "198.51.100.7", limit=3)


def test_a_new_window_starts_a_new_count(monkeypatch: pytest.MonkeyPatch) -> None:
    caches["default"].clear()
    now = [1_000_000.0]
    monkeypatch.setattr("core.ratelimit.time.time", lambda: now[0])
    assert allow("w", "k", limit=1) and not allow("w", "k", limit=1)
    now[0] += 60
    assert allow("w", "k", limit=1)
