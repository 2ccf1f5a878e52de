"""core.bytesearch answers exactly as `in` does, whichever search runs underneath."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

from core.bytesearch import accelerated, contains

# Few distinct bytes, so needles are found often, NULs included on purpose.
SMALL = st.binary(max_size=300).map(lambda b: bytes(x % 5 for x in b).replace(b"\x04", b" "))


@given(haystack=SMALL, needle=st.binary(max_size=3).map(lambda b: bytes(x % 5 for x in b)))
def test_it_agrees_with_in_for_any_bytes(haystack: bytes, needle: bytes) -> None:
    assert contains(haystack, needle) == (needle in haystack)


def test_it_finds_what_the_signer_looks_for_in_a_long_body() -> None:
    body = b" word" * 4000 + b"\r\n"
    assert not contains(body, b"  ") and not contains(body, b" \r")
    assert contains(body + b"end  \r\n", b"  ")
    assert contains(body + b"end \r\n", b" \r")
    # A NUL ends a C string: the bytes after it must still be searched.
    assert contains(b"a\x00b  c", b"  ") and not contains(b"a\x00b c", b"  ")
    assert contains(bytearray(b"x  y"), b"  ") and contains(memoryview(b"x  y").tobytes(), b"  ")


def test_the_c_library_search_is_used_on_linux() -> None:
    """The signing benchmark's figure depends on it; on glibc it must load."""
    if sys.platform.startswith("linux"):
        assert accelerated()
