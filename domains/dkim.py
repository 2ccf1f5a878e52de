"""DKIM signing (RFC 6376, RFC 8463) of every outbound message: relaxed/relaxed, h= fixed.

The private-key operation runs in OpenSSL through `cryptography`; canonicalisation is a
few C-speed passes over the whole body, never a Python loop per line (the searches that
decide whether relaxing changes anything use the C library's, core.bytesearch), so the cost
per message stays close to the RSA signature itself (bench/dkim.py). `l=` is never
used: a signature covers the whole body, so nothing can be appended to a signed message.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from core.bytesearch import contains
from domains.rules import DkimAlgorithm

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

# CONTENT-5, INDUSTRY-2/3, CONTENT-4: what every signature covers when the message has it.
SIGNED_HEADERS: tuple[str, ...] = (
    "From",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "Feedback-ID",
    "X-Mailing-ID",
    "X-CSA-Complaints",
)
# Named once more in h= than they occur: a second From or List-Unsubscribe added on the
# way breaks the signature instead of being shown to the reader (RFC 6376 §8.15).
OVERSIGNED = frozenset(
    h.lower()
    for h in (
        "From",
        "Reply-To",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Feedback-ID",
    )
)

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_BARE_LF = re.compile(rb"(?<!\r)\n")
_TRAILING = frozenset(b" \r\n")


@dataclass(frozen=True)
class SigningKey:
    """One selector's key, loaded once and reused for every message of a send."""

    domain: str
    selector: str
    private_key: PrivateKey

    @property
    def algorithm(self) -> DkimAlgorithm:
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return DkimAlgorithm.ED25519_SHA256
        return DkimAlgorithm.RSA_SHA256


def generate_private_key(algorithm: DkimAlgorithm) -> PrivateKey:
    if algorithm is DkimAlgorithm.ED25519_SHA256:
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_b64(private_key: PrivateKey) -> str:
    """The p= value of the key record: SubjectPublicKeyInfo for RSA, raw 32 bytes for
    Ed25519 (RFC 8463 §4.2)."""
    public = private_key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return base64.b64encode(raw).decode("ascii")


def private_key_bytes(private_key: PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> PrivateKey:
    # The PEM comes out of authenticated encryption (core.crypto.seal), made by us: the
    # slow RSA consistency check adds nothing there.
    key = serialization.load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("a DKIM key is RSA or Ed25519")
    return key


def canonical_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4 relaxed body: WSP runs → one SP, none at line ends, no empty lines
    at the end, a non-empty body ends in CRLF."""
    view, ending = _canonical_body_view(body)
    return bytes(view) + ending


def _canonical_body_view(body: bytes, *, relaxed: bool = False) -> tuple[memoryview | bytes, bytes]:
    """The canonical body as (bytes or a view of them, ending): hashed without a copy.

    `relaxed`: the caller knows the body holds no tab, no run of spaces and no space
    before a CR (carrier.assembly knows it of its quoted-printable parts), so only the
    trailing empty lines go."""
    # A body we built (quoted-printable or base64 parts) needs none of the replacements: a
    # search for their traces decides (core.bytesearch: the C library's, so it costs less
    # than the hash); bytes.replace runs in C too.
    if not relaxed:
        if b"\t" in body:
            body = body.replace(b"\t", b" ")
        if contains(body, b"  ") or contains(body, b" \r"):
            while contains(body, b"  "):
                body = body.replace(b"  ", b" ")
            body = body.replace(b" \r\n", b"\r\n")
    # No space before a line end is left: what trails now is empty lines (and maybe a last
    # line of one space), all removed.
    end = len(body)
    while end and body[end - 1] in _TRAILING:
        end -= 1
    if not end:
        return b"", b""
    return memoryview(body)[:end], b"\r\n"


def body_hash(body: bytes, *, relaxed: bool = False) -> bytes:
    """SHA-256 of the relaxed canonical body, in one pass over it (`relaxed`: as for
    `_canonical_body_view`)."""
    view, ending = _canonical_body_view(body, relaxed=relaxed)
    digest = hashlib.sha256(view)
    digest.update(ending)
    return digest.digest()


def canonical_header(field: bytes) -> bytes:
    """RFC 6376 §3.4.2 relaxed header: lowercase name, unfolded, WSP runs → one SP,
    no WSP around the colon or at the end; ends in CRLF."""
    name, _, value = field.partition(b":")
    # A field holds CRLF only in folds (CRLF WSP): drop them all.
    if b"\r\n" in value:
        value = value.replace(b"\r\n", b"")
    if b"\t" in value:
        value = value.replace(b"\t", b" ")
    while b"  " in value:
        value = value.replace(b"  ", b" ")
    return name.rstrip(b" \t").lower() + b":" + value.strip(b" ") + b"\r\n"


def split_message(message: bytes) -> tuple[bytes, bytes]:
    """The header block (fields with their folds, without the final CRLF) and the body."""
    if b"\r\n" not in message:
        message = _BARE_LF.sub(b"\r\n", message)
    head, sep, body = message.partition(b"\r\n\r\n")
    if not sep and head.endswith(b"\r\n"):
        head = head[:-2]
    return head, body


def _signed_headers(head: bytes, wanted: Sequence[str]) -> tuple[list[str], bytes]:
    """h= names and the relaxed canonical form of the fields they select, bottom-up per
    name (RFC 6376 §5.4.2).

    Per message this is the hot path next to the RSA operation, so the block is relaxed as
    a whole by C-level bytes methods (unfolding, WSP runs to one SP: both local to a
    field), then split into one line per field; which lines h= selects depends only on
    the fields' names, the same for every message of a campaign, and is cached.
    """
    if b"\r\n " in head or b"\r\n\t" in head:  # unfold: the CRLF goes, the WSP stays
        head = head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b"\t")
    if b"\t" in head:
        head = head.replace(b"\t", b" ")
    while b"  " in head:
        head = head.replace(b"  ", b" ")
    lines = head.split(b"\r\n") if head else []
    parts = [line.partition(b":") for line in lines]
    shape = b"\x00".join([name for name, _, _ in parts]).lower()
    names, selected = _selection(shape, tuple(wanted))
    keys = shape.split(b"\x00")
    canonical = [keys[i].rstrip(b" ") + b":" + parts[i][2].strip(b" ") for i in selected]
    return list(names), b"\r\n".join(canonical) + b"\r\n" if canonical else b""


@lru_cache(maxsize=256)
def _selection(shape: bytes, wanted: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """For fields named `shape` (lowercase, NUL-separated): the h= names and the indexes of
    the fields they sign, in signing order (the last instance of a name first)."""
    index: dict[bytes, list[int]] = {}
    for i, key in enumerate(shape.split(b"\x00")):
        index.setdefault(key.rstrip(b" "), []).append(i)  # "Subject :" is allowed, rare
    names: list[str] = []
    selected: list[int] = []
    for header in wanted:
        positions = index.get(header.lower().encode("ascii"))
        if not positions:
            continue
        for i in reversed(positions):
            names.append(header)
            selected.append(i)
        if header.lower() in OVERSIGNED:
            names.append(header)
    return tuple(names), tuple(selected)


def _fold_b64(value: str, width: int = 72) -> str:
    return "\r\n\t".join(value[i : i + width] for i in range(0, len(value), width))


def signature_field(
    message: bytes,
    key: SigningKey,
    *,
    headers: Sequence[str] = SIGNED_HEADERS,
    timestamp: int | None = None,
    relaxed_body: bool = False,
) -> bytes:
    """The `DKIM-Signature:` field (with CRLF) for `message`, which must use CRLF or LF.
    `relaxed_body`: the body is known to need no replacements (`_canonical_body_view`)."""
    head, body = split_message(message)
    bh = base64.b64encode(body_hash(body, relaxed=relaxed_body)).decode("ascii")
    names, data = _signed_headers(head, headers)
    when = int(time.time()) if timestamp is None else timestamp
    tags = [
        f"v=1; a={key.algorithm.value}; c=relaxed/relaxed; d={key.domain};"
        f" s={key.selector}; t={when};",
        f"h={':'.join(names)};",
        f"bh={bh};",
        "b=",
    ]
    # The signature field itself is hashed last, with an empty b= and without its CRLF;
    # relaxed, its folds ("CRLF TAB") are single spaces.
    data += ("dkim-signature:" + " ".join(tags)).encode("ascii")
    if isinstance(key.private_key, ed25519.Ed25519PrivateKey):
        # RFC 8463 §3: Ed25519 (PureEdDSA) signs the SHA-256 hash of the data.
        raw = key.private_key.sign(hashlib.sha256(data).digest())
    else:
        raw = key.private_key.sign(data, _PKCS1, _SHA256)
    signature = base64.b64encode(raw).decode("ascii")
    field = "DKIM-Signature: " + "\r\n\t".join(tags) + _fold_b64(signature) + "\r\n"
    return field.encode("ascii")


def sign(
    message: bytes,
    domain: str,
    selector: str,
    private_key: PrivateKey,
    *,
    headers: Sequence[str] = SIGNED_HEADERS,
    timestamp: int | None = None,
) -> bytes:
    """`message` with a DKIM-Signature field prepended (line ends made CRLF)."""
    if b"\r\n" not in message:
        message = _BARE_LF.sub(b"\r\n", message)
    key = SigningKey(domain, selector, private_key)
    return signature_field(message, key, headers=headers, timestamp=timestamp) + message


def sign_with(
    message: bytes,
    keys: Sequence[SigningKey],
    *,
    timestamp: int | None = None,
    relaxed_body: bool = False,
) -> bytes:
    """Sign with each key (RSA and, where the domain has one, Ed25519); each signature
    covers the message as it was before any of them (RFC 8463 §1). `relaxed_body`: as
    for `signature_field`."""
    if b"\r\n" not in message:
        message = _BARE_LF.sub(b"\r\n", message)
    fields = b"".join(
        signature_field(message, key, timestamp=timestamp, relaxed_body=relaxed_body)
        for key in keys
    )
    return fields + message
