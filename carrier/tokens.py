"""Signed tokens naming one send-ledger row: the unsubscribe link and the VERP address.

Format (fixed; the one-click endpoint and the bounce parser read it):

    <row id, base 36>.<issued at, unix seconds, base 36>.<MAC>

MAC = the first 16 bytes of HMAC-SHA256(key, "<purpose>:<row>.<issued>") in lowercase
base32 without padding (26 characters), the key derived from SECRET_KEY per purpose. Only
lowercase letters, digits and dots: the token survives in a URL path and in the local part
of an address, even where a mail server lowercases it.

    unsubscribe URL  <BASE_URL>/u/<token>            purpose "unsubscribe"
    one-click mailto mailto:unsubscribe+<token>@<From domain>   (same token)
    return path      bounces+<token>@<From domain>     purpose "verp"
    open pixel       <BASE_URL>/t/o/<token>            purpose "open"
    tracked link     <BASE_URL>/t/c/<token>?u=<URL>    purpose "click", the MAC over the
                     row, the time and the target URL: only links we wrote redirect
                     (CONSENT-4, no open redirect)
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from core.crypto import derive_key

UNSUBSCRIBE = "unsubscribe"
VERP = "verp"
OPEN = "open"
CLICK = "click"
_MAC_BYTES = 16
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class BadToken(Exception):
    """Not a token we made, changed, or older than allowed."""


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("negative")
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
        if not number:
            return out


def _mac(purpose: str, body: str) -> str:
    # hmac.digest: OpenSSL's one-shot HMAC (a send makes two tokens per message).
    digest = hmac.digest(
        derive_key(f"ledger-token:{purpose}"), f"{purpose}:{body}".encode(), "sha256"
    )
    return _base32(digest[:_MAC_BYTES])


# Lowercase RFC 4648 base32 by 10-bit groups: base64.b32encode is Python, 7 µs a call.
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_PAIRS = tuple(a + b for a in _B32 for b in _B32)


def _base32(mac: bytes) -> str:
    """base64.b32encode(mac).rstrip("=").lower() for a 16-byte MAC: 26 characters."""
    number = int.from_bytes(mac, "big") << 2  # 128 bits padded to 26 digits of 5 bits
    pairs = _B32_PAIRS
    return "".join([pairs[(number >> shift) & 1023] for shift in range(120, -1, -10)])


def make_token(purpose: str, entry_id: int, *, issued: int | None = None) -> str:
    body = f"{_b36(entry_id)}.{_b36(int(time.time()) if issued is None else issued)}"
    return f"{body}.{_mac(purpose, body)}"


@dataclass(frozen=True)
class TokenContent:
    entry_id: int
    issued: int


def read_token(purpose: str, token: str, *, max_age_seconds: int | None = None) -> TokenContent:
    token = token.strip().lower()
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise BadToken("malformed token")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(purpose, body), parts[2]):
        raise BadToken("bad signature")
    try:
        content = TokenContent(int(parts[0], 36), int(parts[1], 36))
    except ValueError:
        raise BadToken("malformed token") from None
    if max_age_seconds is not None and time.time() - content.issued > max_age_seconds:
        raise BadToken("expired token")
    return content


def make_link_token(entry_id: int, url: str, *, issued: int | None = None) -> str:
    """The click token of `url` in the message of one ledger row: it signs the URL too."""
    body = f"{_b36(entry_id)}.{_b36(int(time.time()) if issued is None else issued)}"
    return f"{body}.{_mac(CLICK, f'{body}:{url}')}"


def read_link_token(token: str, url: str) -> TokenContent:
    """The row and time of a click token made for exactly this `url`; BadToken else."""
    parts = token.strip().lower().split(".")
    if len(parts) != 3 or not all(parts):
        raise BadToken("malformed token")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(CLICK, f"{body}:{url}"), parts[2]):
        raise BadToken("bad signature")
    try:
        return TokenContent(int(parts[0], 36), int(parts[1], 36))
    except ValueError:
        raise BadToken("malformed token") from None
