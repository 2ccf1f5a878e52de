"""Hand-over to a relay or MTA over SMTP: one reused connection per transport (per thread).

`CONSENTRY_SMTP_URL` names the server:

    smtp://host:25                      plain SMTP (loopback or a trusted network only)
    smtp://user:pass@host:587?starttls=1  STARTTLS, then AUTH
    smtps://user:pass@host:465          implicit TLS, then AUTH

Options: `starttls=1`, `timeout=<seconds>` (default 30), `verify=0` (accept any
certificate: self-signed internal relays, tests), `cafile=<path>` (trust this CA bundle),
`helo=<name>` (EHLO name; default this machine's name). User and password are URL-quoted.

Replies map to TransportError (SEND-6, STYLE 8): 5xx → permanent, 4xx, timeouts and lost
connections → temporary. A transport is not thread-safe: the registry gives each thread its own.
"""

from __future__ import annotations

import functools
import logging
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from carrier.parsing import header_summary
from carrier.transports.base import OutboundMessage, SendResult, TransportError

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
DEFAULT_TIMEOUT = 30.0
OPTIONS = frozenset({"starttls", "timeout", "verify", "cafile", "helo"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Postfix/Sendmail style "queued as 4FZ…" and Exim style "id=1abc-0001-XY".
QUEUE_ID = re.compile(r"queued as ([A-Za-z0-9._@-]+)|\bid=([A-Za-z0-9._@-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = DEFAULT_TIMEOUT
    verify: bool = True
    cafile: str = ""
    helo: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse CONSENTRY_SMTP_URL; ImproperlyConfigured names what is wrong."""

        def bad(problem: str) -> ImproperlyConfigured:
            return ImproperlyConfigured(f"CONSENTRY_SMTP_URL: {problem}")

        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise bad(f"scheme must be smtp or smtps, got {parts.scheme!r}")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise bad("the port is not a number") from None
        if not parts.hostname:
            raise bad("names no host")
        if parts.path not in ("", "/"):
            raise bad(f"takes no path, got {parts.path!r}")
        options: dict[str, str] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
            if name not in OPTIONS:
                raise bad(f"unknown option {name!r} (known: {', '.join(sorted(OPTIONS))})")
            options[name] = value

        def flag(name: str, default: bool) -> bool:
            value = options.get(name, "").strip().lower()
            if not value:
                return default
            if value in _TRUE | _FALSE:
                return value in _TRUE
            raise bad(f"{name} must be 1 or 0, got {options[name]!r}")

        try:
            timeout = float(options.get("timeout") or DEFAULT_TIMEOUT)
        except ValueError:
            raise bad(f"timeout must be a number of seconds, got {options['timeout']!r}") from None
        if not 0 < timeout <= 3600:
            raise bad(f"timeout must be between 0 and 3600 seconds, got {timeout:g}")
        username, password = unquote(parts.username or ""), unquote(parts.password or "")
        if not (username + password).isascii():
            raise bad("user and password must be ASCII (smtplib sends them so)")
        implicit_tls = parts.scheme == "smtps"
        starttls = flag("starttls", False)
        if implicit_tls and starttls:
            raise bad("smtps:// is TLS from the start; starttls=1 belongs to smtp://")
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=implicit_tls,
            starttls=starttls,
            username=username,
            password=password,
            timeout=timeout,
            verify=flag("verify", True),
            cafile=options.get("cafile", ""),
            helo=options.get("helo", ""),
        )

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self.starttls

    def __str__(self) -> str:
        # For logs and errors: never the password.
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


@functools.cache
def _local_hostname() -> str:
    # smtplib would ask for it on every connection; it can mean a DNS lookup.
    return socket.getfqdn()


class _ConnectionLost(Exception):
    """The server closed the connection during `stage`. At MAIL FROM nothing of the message
    was handed over yet, so sending it again on a new connection cannot duplicate it."""

    def __init__(self, reason: str, *, stage: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stage = stage
        self.code = code

    @property
    def idle(self) -> bool:
        return self.stage == "mail"


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        connection.close()


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _reply_error(code: int, reply: bytes | str, stage: str) -> TransportError:
    """SEND-6: 5xx is permanent; 4xx, and anything unexpected, is worth another try."""
    return TransportError(
        f"{code} {_text(reply)}".strip(), permanent=500 <= code < 600, code=code, stage=stage
    )


def _message_id(raw: bytes) -> str:
    try:
        return header_summary(raw)[1]
    except Exception:  # the message is out; a header we cannot read must not hide that
        return ""


# An address that needs no quoting: smtplib's quoteaddr parses every address with
# email.utils.parseaddr, which costs more per message than the DKIM hashing.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


def _command(
    connection: smtplib.SMTP, verb: str, prefix: str, address: str, options: list[str]
) -> tuple[int, bytes]:
    """MAIL FROM / RCPT TO as smtplib sends them, without its slow parse of plain addresses."""
    if not _PLAIN_ADDRESS.fullmatch(address):
        send = connection.mail if verb == "mail" else connection.rcpt
        return send(address, options)
    suffix = " " + " ".join(options) if options and connection.does_esmtp else ""
    connection.putcmd(verb, f"{prefix}<{address}>{suffix}")
    return connection.getreply()


def _command_line(verb: str, address: str, options: list[str]) -> str:
    """`MAIL FROM:<a> OPTS` or `RCPT TO:<a>`, quoted as smtplib quotes it."""
    quoted = f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)
    return " ".join([f"{verb}{quoted}", *options])


def dot_stuffed(raw: bytes) -> bytes:
    """The DATA content of `raw`: each dot that opens a line doubled (RFC 5321 §4.5.2),
    then the final CRLF and the lone dot. Same bytes as smtplib's regex, at C speed."""
    data = raw.replace(b"\n.", b"\n..")
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def queue_id_of(reply: str) -> str:
    found = QUEUE_ID.search(reply)
    return (found.group(1) or found.group(2)) if found else ""


class SmtpTransport:
    """Sends each message over one kept-open connection, reconnecting once if the server
    dropped it while idle."""

    def __init__(self, url: str | SmtpConfig) -> None:
        self.config = url if isinstance(url, SmtpConfig) else SmtpConfig.from_url(url)
        self._connection: smtplib.SMTP | None = None
        self._tls: ssl.SSLContext | None = None

    # -- the interface -----------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        if not message.rcpt_to:
            raise ValueError("a message needs at least one recipient")
        for attempt in (1, 2):
            reused = self._connection is not None
            connection = self._connect()
            try:
                return self._transaction(connection, message)
            except _ConnectionLost as lost:
                self._discard()
                if attempt == 2 or not (reused and lost.idle):
                    raise TransportError(
                        f"connection to {self.config} lost: {lost.reason}",
                        permanent=False,
                        code=lost.code,
                        stage=lost.stage,
                    ) from lost
                logger.info("SMTP server %s closed the idle connection; reconnecting", self.config)
        raise AssertionError("unreachable")

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            connection.close()

    # -- connection ----------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            context = ssl.create_default_context(cafile=self.config.cafile or None)
            if not self.config.verify:
                # verify=0: the operator accepts any certificate (self-signed internal relay).
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._tls = context
        return self._tls

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        cfg = self.config
        helo = cfg.helo or _local_hostname()
        connection: smtplib.SMTP | None = None
        stage = "connect"
        try:
            # Connecting in the constructor: smtplib remembers the host name for STARTTLS.
            if cfg.implicit_tls:
                connection = smtplib.SMTP_SSL(
                    cfg.host,
                    cfg.port,
                    local_hostname=helo,
                    timeout=cfg.timeout,
                    context=self._tls_context(),
                )
            else:
                connection = smtplib.SMTP(
                    cfg.host, cfg.port, local_hostname=helo, timeout=cfg.timeout
                )
            connection.ehlo_or_helo_if_needed()
            if cfg.starttls:
                stage = "tls"
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if cfg.username:
                stage = "auth"
                connection.login(cfg.username, cfg.password)
        except smtplib.SMTPNotSupportedError as exc:
            _close(connection)
            what = "STARTTLS" if stage == "tls" else "AUTH"
            # Configuration, not the message: worth retrying once someone fixes the server.
            raise TransportError(
                f"{cfg} does not offer {what}", permanent=False, stage=stage
            ) from exc
        except smtplib.SMTPResponseException as exc:
            _close(connection)
            raise _reply_error(exc.smtp_code, exc.smtp_error, stage) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, TLS, dropped
            _close(connection)
            raise TransportError(
                f"cannot reach {cfg}: {exc.__class__.__name__}: {exc}",
                permanent=False,
                stage=stage,
            ) from exc
        assert connection is not None
        self._connection = connection
        return connection

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    @staticmethod
    def _reset(connection: smtplib.SMTP) -> None:
        try:
            connection.rset()
        except (smtplib.SMTPException, OSError):
            connection.close()

    # -- one mail transaction ---------------------------------------------------------------

    def _transaction(self, connection: smtplib.SMTP, message: OutboundMessage) -> SendResult:
        options: list[str] = []
        if not message.raw.isascii() and connection.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        envelope = (message.mail_from, *message.rcpt_to)
        if not all(address.isascii() for address in envelope):
            if not connection.has_extn("smtputf8"):
                raise TransportError(
                    "the envelope needs SMTPUTF8, which the server does not offer",
                    permanent=True,
                    stage="mail",
                )
            options.append("SMTPUTF8")
        if connection.has_extn("pipelining"):
            return self._pipelined(connection, message, options)
        try:
            code, reply = _command(connection, "mail", "FROM:", message.mail_from, options)
        except smtplib.SMTPServerDisconnected as exc:
            raise _ConnectionLost(str(exc), stage="mail") from exc
        if code == 421:  # the server is closing this connection (often: idle too long)
            raise _ConnectionLost(f"{code} {_text(reply)}", stage="mail", code=code)
        if code != 250:
            self._reset(connection)
            raise _reply_error(code, reply, "mail")

        refused: dict[str, tuple[int, str]] = {}
        stage = "rcpt"
        try:
            for recipient in message.rcpt_to:
                code, reply = _command(connection, "rcpt", "TO:", recipient, [])
                if code == 421:
                    raise _ConnectionLost(f"{code} {_text(reply)}", stage=stage, code=code)
                if code not in (250, 251):
                    refused[recipient] = (code, _text(reply))
            if len(refused) == len(message.rcpt_to):
                self._reset(connection)
                raise self._refused_error(refused)
            stage = "data"
            code, reply = connection.data(message.raw)
        except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
            raise _reply_error(exc.smtp_code, exc.smtp_error, "data") from exc
        except smtplib.SMTPServerDisconnected as exc:
            # After DATA the outcome is unknown: reported as temporary, never resent here.
            raise _ConnectionLost(str(exc), stage=stage) from exc
        return self._result(message, code, reply, refused)

    def _pipelined(
        self, connection: smtplib.SMTP, message: OutboundMessage, options: list[str]
    ) -> SendResult:
        """One transaction with RFC 2920 pipelining: MAIL, every RCPT and DATA go out in
        one write and their replies are read in order; the content follows a 354. Two
        round trips instead of three plus one per recipient, the same outcomes."""
        lines = [_command_line("MAIL FROM:", message.mail_from, options)]
        lines += [_command_line("RCPT TO:", recipient, []) for recipient in message.rcpt_to]
        lines.append("DATA\r\n")
        encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
        refused: dict[str, tuple[int, str]] = {}
        stage = "mail"
        try:
            connection.send("\r\n".join(lines).encode(encoding))
            code, reply = connection.getreply()
            if code == 421:  # the server is closing this connection (often: idle too long)
                raise _ConnectionLost(f"{code} {_text(reply)}", stage=stage, code=code)
            sender_error = None if code == 250 else _reply_error(code, reply, "mail")
            stage = "rcpt"
            for recipient in message.rcpt_to:
                code, reply = connection.getreply()
                if code == 421:
                    raise _ConnectionLost(f"{code} {_text(reply)}", stage=stage, code=code)
                if code not in (250, 251):
                    refused[recipient] = (code, _text(reply))
            code, reply = connection.getreply()  # to DATA
            if code == 421:
                raise _ConnectionLost(f"{code} {_text(reply)}", stage=stage, code=code)
        except smtplib.SMTPServerDisconnected as exc:
            # No content was sent: the message cannot have been accepted.
            raise _ConnectionLost(str(exc), stage=stage) from exc
        failed = sender_error or (
            self._refused_error(refused) if len(refused) == len(message.rcpt_to) else None
        )
        if code != 354 or failed is not None:
            if code == 354:
                # A server inviting content for no valid transaction: send none, hang up.
                self._discard()
            else:
                self._reset(connection)
            raise failed or _reply_error(code, reply, "data")
        stage = "data"
        try:
            connection.send(dot_stuffed(message.raw))
            code, reply = connection.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            # After the content the outcome is unknown: reported as temporary, never resent here.
            raise _ConnectionLost(str(exc), stage=stage) from exc
        return self._result(message, code, reply, refused)

    def _result(
        self,
        message: OutboundMessage,
        code: int,
        reply: bytes,
        refused: dict[str, tuple[int, str]],
    ) -> SendResult:
        """The server's answer to the end of the content: accepted, or the error."""
        if code == 421:
            raise _ConnectionLost(f"{code} {_text(reply)}", stage="data", code=code)
        if code != 250:
            raise _reply_error(code, reply, "data")
        response = f"{code} {_text(reply)}"
        if refused:
            logger.info(
                "%s refused %d of %d recipients", self.config, len(refused), len(message.rcpt_to)
            )
        return SendResult(
            message_id=message.message_id or _message_id(message.raw),
            queue_id=queue_id_of(response),
            response=response,
            refused=refused,
        )

    @staticmethod
    def _refused_error(refused: dict[str, tuple[int, str]]) -> TransportError:
        """Every recipient refused: permanent only if every refusal was; the reply of the
        first temporary one (or the first one) is the reason."""
        temporary = [item for item in refused.items() if not 500 <= item[1][0] < 600]
        address, (code, text) = temporary[0] if temporary else next(iter(refused.items()))
        return TransportError(
            f"{code} {text} (recipient {address})",
            permanent=not temporary,
            code=code,
            stage="rcpt",
            refused=refused,
        )
