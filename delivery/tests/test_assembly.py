"""Quoted-printable bodies encoded piece by piece (delivery.assembly): what a reader
decodes is exactly the joined pieces, and no encoded line passes 76 characters."""

from __future__ import annotations

import quopri

from hypothesis import given
from hypothesis import strategies as st

from delivery.assembly import MAX_LINE, QuotedPrintablePieces, quoted_printable

PIECE = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=300
)


def decoded(encoded: bytes) -> str:
    return quopri.decodestring(encoded.replace(b"\r\n", b"\n")).decode("utf-8")


@given(st.lists(PIECE, max_size=12))
def test_pieces_decode_to_the_joined_text(pieces: list[str]) -> None:
    encoder = QuotedPrintablePieces()
    for _ in range(2):  # the second time from the kept pieces
        encoded = encoder.encode(iter(pieces))
        assert encoded.isascii()
        assert decoded(encoded) == "".join(pieces)
        assert all(len(line) <= MAX_LINE for line in encoded.split(b"\r\n"))
        assert b"\n" not in encoded.replace(b"\r\n", b"")


def test_long_lines_and_escapes_at_the_boundary() -> None:
    for n in range(60, 90):
        for tail in ("ä", "=", " ", "x"):
            piece = "a" * n + tail
            encoded = QuotedPrintablePieces().encode([piece, "B"])
            assert decoded(encoded) == piece + "B"
            assert all(len(line) <= MAX_LINE for line in encoded.split(b"\r\n"))


def test_a_whole_body_encodes_as_before() -> None:
    text = "Grüße\nzweite Zeile  \n"
    assert decoded(quoted_printable(text)) == text
