"""The signer's relaxed canonicalisation equals dkimpy's, an independent implementation of
RFC 6376 §3.4.2 and §3.4.4, on any header block and body (CONTENT-5)."""

from __future__ import annotations

from dkim.canonicalization import Relaxed
from hypothesis import given
from hypothesis import strategies as st

from domains import dkim

NAMES = ["From", "To", "Subject", "subject", "X-Other", "List-Unsubscribe", "Date"]
WSP = st.sampled_from(["", " ", "  ", "\t", " \t ", "\r\n ", "\r\n\t", " \r\n  "])
WORD = st.sampled_from(["a", "Bc", "=?utf-8?q?x?=", "<x@y>", ";", "1"])


@st.composite
def fields(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(name, raw value) pairs, the values with WSP runs and folds anywhere but first."""
    result = []
    for _ in range(draw(st.integers(1, 8))):
        value = draw(WSP).lstrip("\r\n")
        for _ in range(draw(st.integers(0, 4))):
            value += draw(WORD) + draw(WSP)
        result.append((draw(st.sampled_from(NAMES)), value))
    return result


@given(fields=fields())
def test_relaxed_headers_match_dkimpy(fields: list[tuple[str, str]]) -> None:
    head = "\r\n".join(f"{name}:{value}" for name, value in fields).encode()
    wanted = list(dict.fromkeys(name for name, _ in fields))
    names, data = dkim._signed_headers(head, wanted)
    expected = b""
    for header in wanted:
        chosen = [(n, v) for n, v in fields if n.lower() == header.lower()]
        for name, value in Relaxed.canonicalize_headers(
            [(n.encode(), v.encode()) for n, v in reversed(chosen)]
        ):
            expected += name + b":" + value
    assert data == expected
    # h= names each field once, bottom-up, plus once more where the name is over-signed.
    expected_names = []
    for header in wanted:
        count = sum(n.lower() == header.lower() for n, _ in fields)
        expected_names += [header] * (count + (header.lower() in dkim.OVERSIGNED))
    assert names == expected_names


LINE_PIECE = st.sampled_from(["", "a", "b c", " ", "  ", "\t", " \t", "x  y", "=20", "="])


@given(lines=st.lists(st.lists(LINE_PIECE, max_size=5).map("".join), max_size=12))
def test_relaxed_body_matches_dkimpy(lines: list[str]) -> None:
    body = "".join(line + "\r\n" for line in lines).encode()
    assert dkim.canonical_body(body) == Relaxed.canonicalize_body(body)
