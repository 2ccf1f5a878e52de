"""Quoted-printable bodies encoded piece by piece (carrier.assembly): what a reader
decodes is exactly the joined pieces, and no encoded line passes 76 characters."""

from __future__ import annotations

import quopri

from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from carrier.assembly import (
    MAX_LINE,
    CampaignHeaders,
    QuotedPrintablePieces,
    Skeleton,
    is_relaxed,
    quoted_printable,
)
from domains.dkim import SigningKey, body_hash, sign_with, split_message

KEY = SigningKey("alice-shop.example", "s1", rsa.generate_private_key(65537, 2048))
PIECE = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=300
)


def decoded(encoded: bytes) -> str:
    return quopri.decodestring(encoded.replace(b"\r\n", b"\n")).decode("utf-8")


@given(st.lists(PIECE, max_size=12))
def test_pieces_decode_to_the_joined_text(pieces: list[str]) -> None:
    encoder = QuotedPrintablePieces()
    for _ in range(2):  # the second time from the kept pieces
        encoded, _relaxed = encoder.encode_checked(iter(pieces))
        assert encoded.isascii()
        assert decoded(encoded) == "".join(pieces)
        assert all(len(line) <= MAX_LINE for line in encoded.split(b"\r\n"))
        assert b"\n" not in encoded.replace(b"\r\n", b"")


def test_long_lines_and_escapes_at_the_boundary() -> None:
    for n in range(60, 90):
        for tail in ("ä", "=", " ", "x"):
            piece = "a" * n + tail
            encoded, _relaxed = QuotedPrintablePieces().encode_checked([piece, "B"])
            assert decoded(encoded) == piece + "B"
            assert all(len(line) <= MAX_LINE for line in encoded.split(b"\r\n"))


def test_a_whole_body_encodes_as_before() -> None:
    text = "Grüße\nzweite Zeile  \n"
    assert decoded(quoted_printable(text)) == text


SPACEY = st.text(alphabet=" \t\nab=ä.", max_size=90)


@given(st.lists(st.one_of(PIECE, SPACEY), max_size=12))
def test_the_relaxed_flag_says_exactly_whether_dkim_would_change_the_body(
    pieces: list[str],
) -> None:
    """The signer skips its search of the body when the encoder says it is relaxed: the
    flag must be right for fresh pieces and for kept ones, across piece boundaries."""
    encoder = QuotedPrintablePieces()
    for _ in range(3):
        encoded, relaxed = encoder.encode_checked(iter(pieces))
        assert relaxed == is_relaxed(encoded)


@given(st.lists(st.one_of(PIECE, SPACEY), max_size=8), st.lists(SPACEY, max_size=4))
def test_a_message_signed_with_the_flag_is_signed_as_without_it(
    html: list[str], text: list[str]
) -> None:
    skeleton = Skeleton(
        CampaignHeaders(
            from_addr="Alice Shop <news@alice-shop.example>",
            reply_to="",
            mailing_id="m1",
            feedback_id="1:1:regular:consentry",
            base_url="https://consentry.example",
        )
    )
    raw, _message_id, relaxed = skeleton.message(
        entry_id=7, to="kunde@example.org", subject="Hallo", text=iter(text), html=iter(html),
        unsubscribe_token="tok",
    )  # fmt: skip
    _head, body = split_message(raw)
    assert relaxed == is_relaxed(body)
    if relaxed:
        assert body_hash(body, relaxed=True) == body_hash(body)
        assert sign_with(raw, [KEY], timestamp=1, relaxed_body=True) == sign_with(
            raw, [KEY], timestamp=1
        )
