"""Amazon SNS message signatures, which anymail does not check (BOUNCE-2).

SNS signs each message with the key of a certificate it names in `SigningCertURL`; the URL
must be Amazon's own SNS host over https, or anyone could sign with their own certificate.
The certificate is fetched once and cached for a day.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.cache import cache

SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
CERT_SECONDS = 24 * 3600
# The fields signed, in this order, per message type (AWS SNS developer guide).
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED_FIELDS["UnsubscribeConfirmation"] = SIGNED_FIELDS["SubscriptionConfirmation"]
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}


class BadSignature(Exception):
    pass


def string_to_sign(message: dict[str, Any]) -> bytes:
    """`name\\nvalue\\n` for each signed field present (Subject only when given)."""
    fields = SIGNED_FIELDS.get(str(message.get("Type")))
    if fields is None:
        raise BadSignature(f"unknown SNS message type {message.get('Type')!r}")
    lines = []
    for name in fields:
        if name in message and message[name] is not None:
            lines.append(f"{name}\n{message[name]}\n")
    return "".join(lines).encode()


def fetch_certificate(url: str) -> bytes:
    """The PEM certificate at an SNS signing URL (checked to be Amazon's before)."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (https, SNS host)
        return bytes(response.read(64 * 1024))


def verify(message: dict[str, Any], fetch: Callable[[str], bytes] | None = None) -> None:
    """Raise BadSignature unless SNS signed this message."""
    url = str(message.get("SigningCertURL") or "")
    parts = urlsplit(url)
    if parts.scheme != "https" or not SNS_HOST.match(parts.hostname or ""):
        raise BadSignature(f"SigningCertURL is not an Amazon SNS https URL: {url!r}")
    algorithm = HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise BadSignature(f"unknown SignatureVersion {message.get('SignatureVersion')!r}")
    pem = cache.get(f"sns-cert:{url}")
    if pem is None:
        try:
            pem = (fetch or fetch_certificate)(url)
        except OSError as exc:
            raise BadSignature(f"cannot fetch the signing certificate: {exc}") from None
        cache.set(f"sns-cert:{url}", pem, timeout=CERT_SECONDS)
    try:
        key = x509.load_pem_x509_certificate(pem).public_key()
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise BadSignature(f"unreadable certificate or signature: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadSignature("the signing certificate has no RSA key")
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise BadSignature("the SNS signature does not match") from None
