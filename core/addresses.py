"""Address normalisation: the one place that decides when two addresses are the same.

An address is kept as entered (`normalise_address`: the domain lowercased and IDNA-encoded,
the local part as written) for sending and display. Two addresses are the same person's
when their `identity` is equal: mailbox providers ignore the case of the local part, so
`ULLA@example.de` and `ulla@example.de` are one address for every uniqueness check,
lookup, suppression and match (IMPORT-5/7, STATUS-2/4). Rows store its keyed hash,
`address_key`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

import idna

from core.errors import InvalidInput

MAX_ADDRESS_LENGTH = 254


# Whitespace (`\s` is what str.isspace() accepts) and the control characters: one search
# instead of a Python loop over the characters (bounces and imports normalise every address).
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class InvalidAddress(InvalidInput):
    code = "invalid_address"


def normalise_address(raw: str) -> str:
    """Domain lowercased and IDNA-encoded, local part kept as written (RFC 5321 §2.4)."""
    address = raw.strip()
    local, sep, domain = address.rpartition("@")
    if not sep or not local or not domain:
        raise InvalidAddress(f"not an email address: {raw!r}")
    if _SPACE_OR_CONTROL.search(address):
        raise InvalidAddress(f"an email address contains no spaces or control characters: {raw!r}")
    try:
        ascii_domain = _ascii_domain(domain.rstrip("."))
    except idna.IDNAError as exc:
        raise InvalidAddress(f"invalid domain in {raw!r}: {exc}") from None
    normalised = f"{local}@{ascii_domain}"
    if len(normalised) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress(f"address longer than {MAX_ADDRESS_LENGTH} characters")
    return normalised


@functools.lru_cache(maxsize=4096)
def _ascii_domain(domain: str) -> str:
    """The domain IDNA-encoded and lowercased; remembered, since a few mailbox providers'
    domains make up most addresses and the encoding costs more than the rest of
    normalising (an invalid domain raises each time: errors are not cached)."""
    return idna.encode(domain, uts46=True).decode("ascii").lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def identity(address: str) -> str:
    """The matching form of a normalised address: the local part in Unicode NFC and
    case-folded, the domain as normalised (IDNA, lower case)."""
    local, _, domain = address.rpartition("@")
    if local.isascii():
        return f"{local.lower()}@{domain}"
    return f"{unicodedata.normalize('NFC', local).casefold()}@{domain}"


def address_key(address: str) -> str:
    """The keyed hash of a normalised address's identity: what rows are matched by."""
    # Imported here: the key comes from the settings, and this module is pure otherwise
    # (the feedback parsers use it without Django).
    from core.crypto import keyed_hash

    return keyed_hash(identity(address))


def address_keyer() -> Callable[[str], str]:
    """`address_key` for the bulk paths (imports)."""
    from core.crypto import keyed_hasher

    hashed = keyed_hasher()

    def key(address: str) -> str:
        return hashed(identity(address))

    return key
