"""Message assembly: text (and HTML) into raw RFC 5322 bytes that any MTA accepts as they are.

The output is 7-bit clean (quoted-printable or base64 bodies, RFC 2047 encoded words in
headers, IDNA domains), has CRLF line endings and carries Date, Message-ID and MIME-Version
(INDUSTRY-1: RFC 5322-valid messages). Internationalised local parts need SMTPUTF8, which
the platform does not send yet: they are refused here rather than mangled.
"""

from __future__ import annotations

import re
import secrets
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from django.utils import timezone

from core.addresses import InvalidAddress, domain_of, normalise_address

# SMTP's CRLF line endings; cte_type 7bit makes bodies quoted-printable or base64, so no
# relay has to convert 8-bit data and a DKIM signature made over these bytes stays valid.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")

# Headers compose() sets itself: a caller naming one would make the message ambiguous.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
# RFC 5322 §2.2: a field name is printable US-ASCII except the colon.
HEADER_NAME = re.compile(r"[!-9;-~]+")


def mailbox(value: str) -> Address:
    """`Name <local@domain>` or a bare address as a header Address, its domain IDNA-encoded."""
    found = getaddresses([value])
    if len(found) != 1 or not found[0][1]:
        raise InvalidAddress(f"not one email address: {value!r}")
    name, addr_spec = found[0]
    address = normalise_address(addr_spec)
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise InvalidAddress(f"an address with a non-ASCII local part needs SMTPUTF8: {value!r}")
    return Address(display_name=name, username=local, domain=domain)


def compose(
    *,
    from_addr: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    message_id_domain: str | None = None,
) -> tuple[bytes, str]:
    """The raw message (text/plain, or multipart/alternative with `html`) and its Message-ID.

    Raises InvalidAddress for an unusable address and ValueError for a bad extra header.
    """
    sender = mailbox(from_addr)
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = mailbox(to)
    if reply_to:
        message["Reply-To"] = mailbox(reply_to)
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now().replace(microsecond=0))
    message_id = make_message_id(message_id_domain or sender.domain)
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        if not HEADER_NAME.fullmatch(name) or name.lower() in RESERVED_HEADERS:
            raise ValueError(f"compose() does not take a {name!r} header")
        message[name] = value  # the email package refuses CR and LF in values
    message.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
        for part in message.iter_parts():
            del part["MIME-Version"]  # the email package repeats it in each body part
    return message.as_bytes(), message_id


def make_message_id(domain: str) -> str:
    """`<time.random@domain>`: unique without asking DNS for this machine's name."""
    ascii_domain = domain_of(normalise_address(f"x@{domain}"))
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    return f"<{stamp}.{secrets.token_hex(10)}@{ascii_domain}>"
