"""Keyed hashes: the bulk path's hasher is the same HMAC as the one-by-one function."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.crypto import keyed_hash, keyed_hasher


@given(st.text(max_size=300))
def test_the_bulk_hasher_gives_the_keyed_hash(value: str) -> None:
    assert keyed_hasher()(value) == keyed_hash(value)
