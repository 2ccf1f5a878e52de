"""Address normalisation: the one place that decides when two addresses are the same."""

from __future__ import annotations

import idna

from core.errors import InvalidInput

MAX_ADDRESS_LENGTH = 254


class InvalidAddress(InvalidInput):
    code = "invalid_address"


def normalise_address(raw: str) -> str:
    """Domain lowercased and IDNA-encoded, local part kept as written (RFC 5321 §2.4)."""
    address = raw.strip()
    local, sep, domain = address.rpartition("@")
    if not sep or not local or not domain:
        raise InvalidAddress(f"not an email address: {raw!r}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in address):
        raise InvalidAddress(f"an email address contains no spaces or control characters: {raw!r}")
    try:
        ascii_domain = idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidAddress(f"invalid domain in {raw!r}: {exc}") from None
    normalised = f"{local}@{ascii_domain.lower()}"
    if len(normalised) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress(f"address longer than {MAX_ADDRESS_LENGTH} characters")
    return normalised


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]
