"""Building messages on every core: forked processes render, encode and sign (SEND-5).

One worker process holds the GIL for everything it runs in Python, and building a message
(the template, quoted-printable, DKIM) is most of a send's Python. So a threaded send
forks `CONSENTRY_SEND_BUILD_PROCESSES` builders: each inherits the campaign's plan
(compiled templates, skeleton, keys) and turns recipients into signed messages; the
worker's own threads keep the database, the limits and SMTP. The builders stay for the
next batch while its plan builds alike (`KeptBuilders`).

A builder never touches the database: a query in it raises before it reaches the
connection it inherited, and it leaves by `os._exit`, so nothing of the parent's is
closed. It ends when its pipe closes, also when the worker is killed. A builder that dies
is replaced by building on the worker's own thread; no recipient is lost.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from typing import TYPE_CHECKING, NamedTuple

from core.forking import close_inherited, refuse_queries

if TYPE_CHECKING:
    from carrier.transports import OutboundMessage
    from delivery.ledger import Recipient

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

    pid: int
    connection: Connection

    def __init__(self, build: BuildFn) -> None:
        ours, theirs = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            close_inherited(keep=theirs.fileno())
            _serve(theirs, build)
        theirs.close()
        self.pid = pid
        self.connection = ours
        self.outstanding = 0  # groups given and not collected
        self.ended = False

    def submit(self, recipients: list[Recipient]) -> None:
        """Give the process a group to build; it answers groups in the order given."""
        try:
            self.connection.send(recipients)
        except OSError as exc:
            raise BuilderDied(str(exc)) from exc
        self.outstanding += 1

    def collect(self) -> list[Built]:
        """The messages of the oldest group given and not yet collected."""
        try:
            built: list[Built] = self.connection.recv()
        except (EOFError, OSError) as exc:
            raise BuilderDied(str(exc) or "its pipe closed") from exc
        self.outstanding -= 1
        return built

    def reusable(self) -> bool:
        """Alive, and owing no answer: a next batch may use it."""
        if self.ended or self.outstanding:
            return False
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                return True
        self.ended = True
        return False

    def close(self) -> None:
        """Ask the process to end, and reap it."""
        with contextlib.suppress(OSError):  # it may be gone already
            self.connection.send(None)
        self.connection.close()
        if not self.ended:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.ended = True


class KeptBuilders:
    """Builder processes kept between batches whose plans build alike (`identity`):
    forking and warming up builders for every batch cost a tenth of a send's time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identity = ""
        self._builders: list[Builder] = []

    def take(self, identity: str, build: BuildFn, processes: int) -> list[Builder]:
        """`processes` builders for this identity: the kept ones if they fit, else new."""
        with self._lock:
            kept, self._builders = self._builders, []
            same = self._identity == identity
        fit = [b for b in kept if same and b.reusable()]
        for builder in kept:
            if builder not in fit[:processes]:
                builder.close()
        builders = fit[:processes]
        while len(builders) < processes:
            builders.append(Builder(build))
        return builders

    def give_back(self, identity: str, builders: list[Builder]) -> None:
        """Keep what can be used again (one set at a time); end the rest."""
        keep = [b for b in builders if b.reusable()]
        with self._lock:
            if self._builders:  # another batch ran meanwhile and gave its own back first
                keep = []
            else:
                self._identity, self._builders = identity, keep
        for builder in builders:
            if builder not in keep:
                builder.close()

    def close(self) -> None:
        with self._lock:
            builders, self._builders = self._builders, []
        for builder in builders:
            builder.close()


kept = KeptBuilders()
atexit.register(kept.close)


def _serve(connection: Connection, build: BuildFn) -> None:
    """The builder's loop: a list of recipients in, a list of `Built` out, until None."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when to stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        refuse_queries("a message builder process")
        while (recipients := connection.recv()) is not None:
            connection.send([build_safely(build, r) for r in recipients])
    except EOFError:
        pass  # the worker is gone: so are we
    except BaseException:
        logger.exception("message builder failed")
        code = 1
    finally:
        os._exit(code)
