"""Classifying SMTP answers (INDUSTRY-4, SEND-6) and the ledger tokens (INDUSTRY-2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carrier.rules import (
    FailureKind,
    Outcome,
    after_temporary_failure,
    classify_failure,
    enhanced_code,
    retry_delay_seconds,
)
from carrier.tokens import UNSUBSCRIBE, VERP, BadToken, _base32, make_token, read_token
from core.crypto import derive_key


@pytest.mark.parametrize(
    ("reply", "stage", "expected"),
    [
        ("550 5.1.1 <x@example.org>: user unknown", "rcpt", FailureKind.HARD),
        ("550 5.1.2 bad destination system", "rcpt", FailureKind.HARD),
        ("550 5.1.3 bad address syntax", "rcpt", FailureKind.HARD),
        ("550 5.1.6 mailbox has moved", "rcpt", FailureKind.HARD),
        ("550 No such user here", "rcpt", FailureKind.HARD),
        ("552 5.2.2 mailbox full", "data", FailureKind.SOFT),
        ("550 5.7.1 rejected by policy", "rcpt", FailureKind.SENDER),
        ("550 5.7.26 unauthenticated email from example.org", "data", FailureKind.SENDER),
        ("550 5.7.25 no PTR record", "rcpt", FailureKind.SENDER),
        ("550 5.7.515 access denied", "data", FailureKind.SENDER),
        ("550 5.1.1 user unknown", "mail", FailureKind.SENDER),  # said of our sender
        ("535 5.7.8 authentication failed", "auth", FailureKind.SENDER),
        ("554 transaction failed", "data", FailureKind.SOFT),
    ],
)
def test_permanent_failures_are_classified_by_their_enhanced_code(
    reply: str, stage: str, expected: FailureKind
) -> None:
    """INDUSTRY-4: hard bounces only for 5.1.1/5.1.2/5.1.3/5.1.6 and their text; 5.7.x is
    the sender's problem."""
    verdict = classify_failure(permanent=True, code=int(reply[:3]), reply=reply, stage=stage)
    assert verdict.outcome == Outcome.FAILED and verdict.failure == expected


def test_temporary_failures_are_deferred_and_a_lost_data_phase_is_unknown() -> None:
    """SEND-6 and SEND-4: 4xx and timeouts retry; a drop during DATA may have delivered."""
    assert classify_failure(permanent=False, code=451, reply="451 4.3.0", stage="data").outcome == (
        Outcome.DEFERRED
    )
    assert classify_failure(permanent=False, code=None, reply="lost", stage="rcpt").outcome == (
        Outcome.DEFERRED
    )
    assert classify_failure(permanent=False, code=None, reply="lost", stage="data").outcome == (
        Outcome.UNKNOWN
    )


def test_back_off_grows_and_stops_at_the_deadline() -> None:
    delays = [retry_delay_seconds(n) for n in range(1, 9)]
    assert delays == sorted(delays) and delays[0] == 60
    now = time.time()
    assert after_temporary_failure(attempts=1, now=now, deadline=now + 3600)[0] == Outcome.DEFERRED
    assert after_temporary_failure(attempts=5, now=now, deadline=now + 3600) == (
        Outcome.FAILED,
        None,
    )


def test_enhanced_codes_are_read_from_the_reply() -> None:
    assert enhanced_code("550-5.1.1 The email account does not exist") == "5.1.1"
    assert enhanced_code("250 ok") == ""


@given(st.integers(min_value=0, max_value=2**62))
def test_tokens_name_their_row_and_survive_lowercasing(entry_id: int) -> None:
    """The token format is fixed: <id36>.<issued36>.<mac>, lowercase letters, digits, dots."""
    token = make_token(UNSUBSCRIBE, entry_id)
    assert token == token.lower() and set(token) <= set("abcdefghijklmnopqrstuvwxyz0123456789.")
    assert read_token(UNSUBSCRIBE, token.upper()).entry_id == entry_id


def test_tokens_are_unforgeable_and_bound_to_their_purpose() -> None:
    """INDUSTRY-2: the token is unforgeable."""
    token = make_token(UNSUBSCRIBE, 42)
    row, issued, mac = token.split(".")
    with pytest.raises(BadToken):
        read_token(UNSUBSCRIBE, f"{int(row, 36) + 1:x}.{issued}.{mac}")
    with pytest.raises(BadToken):
        read_token(VERP, token)
    with pytest.raises(BadToken):
        read_token(UNSUBSCRIBE, "garbage")
    old = make_token(UNSUBSCRIBE, 42, issued=int(time.time()) - 10_000)
    with pytest.raises(BadToken):
        read_token(UNSUBSCRIBE, old, max_age_seconds=100)


@given(st.binary(min_size=16, max_size=16))
def test_the_mac_digits_are_rfc_4648_base32(mac: bytes) -> None:
    """The fast base32 of the token's MAC is the standard one, lowercase and unpadded."""
    assert _base32(mac) == base64.b32encode(mac).decode("ascii").rstrip("=").lower()


def test_a_token_is_the_documented_hmac() -> None:
    """The format in carrier.tokens, computed here with the standard library alone."""
    assert (int("9ix", 36), int("tpdzcx", 36)) == (12345, 1_796_161_857)
    token = make_token(VERP, 12345, issued=1_796_161_857)
    key = derive_key("ledger-token:verp")
    expected = hmac.new(key, b"verp:9ix.tpdzcx", hashlib.sha256).digest()[:16]
    assert token == "9ix.tpdzcx." + base64.b32encode(expected).decode().rstrip("=").lower()
