"""Building messages on every core: forked processes render, encode and sign (SEND-5).

One worker process holds the GIL for everything it runs in Python, and building a message
(the template, quoted-printable, DKIM) is most of a send's Python. So a threaded send
forks `CONSENTRY_SEND_BUILD_PROCESSES` builders when its batch starts: each inherits the
campaign's plan (compiled templates, skeleton, keys) and turns recipients into signed
messages; the worker's own threads keep the database, the limits and SMTP.

A builder never touches the database: a query in it raises before it reaches the
connection it inherited, and it leaves by `os._exit`, so nothing of the parent's is
closed. It ends when its pipe closes, also when the worker is killed. A builder that dies
is replaced by building on the worker's own thread; no recipient is lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, Pipe
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from delivery.ledger import Recipient
    from delivery.transports import OutboundMessage

logger = logging.getLogger(__name__)


class Built(NamedTuple):
    """A recipient's signed message, or why it could not be built."""

    message: OutboundMessage | None
    message_id: str = ""
    error: str = ""


BuildFn = Callable[["Recipient"], tuple["OutboundMessage", str]]


def build_safely(build: BuildFn, recipient: Recipient) -> Built:
    try:
        message, message_id = build(recipient)
    except Exception as exc:  # a message that cannot be built is failed, with its reason
        logger.exception("ledger %s: message not built", recipient.entry_id)
        return Built(None, error=f"message not built: {exc}"[:500])
    return Built(message, message_id)


class BuilderDied(Exception):
    """The builder process ended before it answered."""


class Builder:
    """One forked process that builds the messages it is sent, a group at a time."""

    def __init__(self, build: BuildFn, *, close_in_child: Sequence[Connection] = ()) -> None:
        ours, theirs = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            ours.close()
            for other in close_in_child:
                other.close()
            _serve(theirs, build)
        theirs.close()
        self.pid = pid
        self.connection = ours

    def submit(self, recipients: list[Recipient]) -> None:
        """Give the process a group to build; it answers groups in the order given."""
        try:
            self.connection.send(recipients)
        except OSError as exc:
            raise BuilderDied(str(exc)) from exc

    def collect(self) -> list[Built]:
        """The messages of the oldest group given and not yet collected."""
        try:
            built: list[Built] = self.connection.recv()
        except (EOFError, OSError) as exc:
            raise BuilderDied(str(exc) or "its pipe closed") from exc
        return built

    def close(self) -> None:
        """Ask the process to end, and reap it."""
        with contextlib.suppress(OSError):  # it may be gone already
            self.connection.send(None)
        self.connection.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(connection: Connection, build: BuildFn) -> None:
    """The builder's loop: a list of recipients in, a list of `Built` out, until None."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when to stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _refuse_queries()
        while (recipients := connection.recv()) is not None:
            connection.send([build_safely(build, r) for r in recipients])
    except EOFError:
        pass  # the worker is gone: so are we
    except BaseException:
        logger.exception("message builder failed")
        code = 1
    finally:
        os._exit(code)


def _refuse_queries() -> None:
    """The inherited connections belong to the worker: a query from here would interleave
    with the worker's own on the same socket."""
    from django.db import connections

    def refuse(*_: Any) -> None:
        raise RuntimeError("a message builder process must not query the database")

    for connection in connections.all():
        connection.execute_wrappers.append(refuse)
