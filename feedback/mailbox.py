"""The mailbox poller (BOUNCE-2): bounces and feedback reports that a mail system drops into
an IMAP or POP3 mailbox instead of handing them to `consentry inbound`.

`CONSENTRY_MAILBOX_URL` names the mailbox:

    imap://user:pass@host:143/INBOX      imaps://user:pass@host:993/Bounces
    pop3://user:pass@host:110            pop3s://user:pass@host:995

Each message is stored raw first, like one the SMTP listener received, and only then
deleted from the mailbox: a batch of up to 250 is stored in one transaction, deleted, then
processed as one batch; a poll that dies half-way leaves the rest there for the next one,
and nothing is lost. The recipient that routes it is the address the MTA delivered it to
(Delivered-To, X-Original-To, Envelope-To), so a catch-all bounce mailbox still routes each
VERP address to its ledger row.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import poplib
import ssl
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from feedback.models import InboundMessage

log = logging.getLogger(__name__)

PORTS = {"imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995}
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To")
TIMEOUT = 30
MAX_PER_POLL = 500
# Messages stored in one transaction, then deleted from the mailbox and processed as one
# batch: a poll that dies loses none, and redoes at most this many.
STORE_BATCH = 250


@dataclass(frozen=True)
class MailboxConfig:
    scheme: str
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"

    @classmethod
    def from_url(cls, url: str) -> MailboxConfig:
        parts = urlsplit(url)
        if parts.scheme not in PORTS:
            raise ImproperlyConfigured(
                f"CONSENTRY_MAILBOX_URL: scheme must be one of {', '.join(PORTS)}"
            )
        if not parts.hostname or not parts.username:
            raise ImproperlyConfigured("CONSENTRY_MAILBOX_URL: needs user@host")
        try:
            port = parts.port or PORTS[parts.scheme]
        except ValueError:
            raise ImproperlyConfigured("CONSENTRY_MAILBOX_URL: the port is not a number") from None
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return cls(
            parts.scheme,
            parts.hostname,
            port,
            unquote(parts.username),
            unquote(parts.password or ""),
            folder,
        )

    def __str__(self) -> str:
        return f"{self.scheme}://{self.username}@{self.host}:{self.port}"


@dataclass(frozen=True)
class PollResult:
    fetched: int
    stored: int


def recipient_of(raw: bytes, fallback: str = "") -> str:
    """The address the message was delivered to, as the MTA wrote it down."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    headers = BytesHeaderParser(policy=default_policy).parsebytes(head)
    for name in RECIPIENT_HEADERS:
        for value in headers.get_all(name, []):
            found = [addr for _, addr in getaddresses([str(value)]) if "@" in addr]
            if found:
                return found[0]
    return fallback


def _store(raws: list[bytes], config: MailboxConfig, fallback: str) -> list[InboundMessage]:
    """Keep a batch of fetched messages in one transaction: once this returns, the
    mailbox may let go of them."""
    from feedback import services

    return services.receive_many(
        [services.Arrival(raw, "", [recipient_of(raw, fallback)], str(config)) for raw in raws]
    )


def _process(messages: list[InboundMessage]) -> None:
    from feedback import services

    try:
        services.process_many(messages)
    except Exception:  # stored: processed again by `consentry inbound` on its next start
        log.exception("%s mailbox messages stored but not processed", len(messages))


def poll(config: MailboxConfig, *, fallback_recipient: str = "") -> PollResult:
    """Fetch, store, then delete every message (at most MAX_PER_POLL per call). The
    reader processes a large batch forked end with the poll: a worker polls once a
    minute, and keeps no idle processes in between."""
    from feedback.readers import readers

    try:
        if config.scheme.startswith("imap"):
            return _poll_imap(config, fallback_recipient)
        return _poll_pop3(config, fallback_recipient)
    finally:
        readers.close()


def _poll_imap(config: MailboxConfig, fallback: str) -> PollResult:
    if config.scheme == "imaps":
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        client = imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT)
    fetched = stored = 0
    try:
        client.login(config.username, config.password)
        status, _ = client.select(config.folder)
        if status != "OK":
            raise ConnectionError(f"{config}: no folder {config.folder!r}")
        # A message marked deleted was stored by an earlier poll that died before EXPUNGE.
        _, data = client.uid("SEARCH", "UNDELETED")
        uids = (data[0] or b"").decode("ascii").split()[:MAX_PER_POLL]
        for first in range(0, len(uids), STORE_BATCH):
            batch: list[tuple[str, bytes]] = []
            for uid in uids[first : first + STORE_BATCH]:
                _, parts = client.uid("FETCH", uid, "(RFC822)")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if raw is not None:
                    batch.append((uid, bytes(raw)))
            fetched += len(batch)
            if not batch:
                continue
            messages = _store([raw for _uid, raw in batch], config, fallback)
            stored += len(messages)
            # Only what is stored leaves the mailbox.
            client.uid("STORE", ",".join(uid for uid, _raw in batch), "+FLAGS", "(\\Deleted)")
            client.expunge()
            _process(messages)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return PollResult(fetched, stored)


def _poll_pop3(config: MailboxConfig, fallback: str) -> PollResult:
    """One POP3 session per batch: only QUIT makes its deletions happen, so a poll that
    dies redoes at most the batch it was storing."""
    fetched = stored = 0
    while fetched < MAX_PER_POLL:
        client = _pop3(config)
        try:
            count, _ = client.stat()
            batch = list(range(1, min(count, STORE_BATCH, MAX_PER_POLL - fetched) + 1))
            raws = [b"\r\n".join(client.retr(number)[1]) + b"\r\n" for number in batch]
            fetched += len(raws)
            messages = _store(raws, config, fallback) if raws else []
            stored += len(messages)
            for number in batch:
                client.dele(number)
            client.quit()  # the deletions happen here: a broken session deletes nothing
        except Exception:
            client.close()
            raise
        _process(messages)
        if len(batch) < STORE_BATCH:
            break
    return PollResult(fetched, stored)


def _pop3(config: MailboxConfig) -> poplib.POP3:
    client: poplib.POP3
    if config.scheme == "pop3s":
        client = poplib.POP3_SSL(
            config.host, config.port, context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        client = poplib.POP3(config.host, config.port, timeout=TIMEOUT)
    try:
        client.user(config.username)
        client.pass_(config.password)
    except Exception:
        client.close()
        raise
    return client
