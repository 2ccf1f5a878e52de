"""Forked helper processes of a worker: what every such child must do first.

A child forked from a worker inherits its descriptors (database and SMTP sockets, pipes
of programs it started, other children's pipes) and its database connections. It closes
the descriptors it does not use, so no peer waits for an end of file that never comes,
and it refuses queries on the inherited connections, which would interleave with the
worker's own on the same socket. It leaves by `os._exit`, so nothing of the worker's is
closed or flushed twice.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, Pipe
from typing import Any, NoReturn

logger = logging.getLogger(__name__)


def freeze_survivors() -> None:
    """For a long-running process once it has started (the inbound listener): the objects
    alive now (the app, its modules and models) stay out of the collector's full
    collections, which a batch's short-lived objects set off (they cost a tenth of
    applying a batch of reports), and pages of them are not copied into each forked child
    when a collection would touch them."""
    gc.collect()
    gc.freeze()


def close_inherited(*, keep: int) -> None:
    """Close every descriptor the fork handed down but `keep` and the standard three."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):  # among them the listing's own descriptor
                os.close(fd)


def refuse_queries(who: str) -> None:
    """Make a query on any inherited connection raise before it reaches the socket."""
    from django.db import connections

    def refuse(*_: Any) -> None:
        raise RuntimeError(f"{who} must not query the database")

    for connection in connections.all():
        connection.execute_wrappers.append(refuse)


class ChildDied(Exception):
    """The child process ended before it answered."""


class Child:
    """One forked process that answers `work(request)` for each request sent to it, in the
    order given, until its pipe closes. `work` must not raise: what it cannot do belongs
    in its answer (an exception ends the child, and its parent sees `ChildDied`). The
    child holds no descriptor but its pipe and refuses database queries (`who` names it
    in the error); it ends when its parent goes away."""

    pid: int
    connection: Connection

    def __init__(self, work: Callable[[Any], Any], who: str) -> None:
        ours, theirs = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            close_inherited(keep=theirs.fileno())
            serve(theirs, work, who)
        theirs.close()
        self.pid = pid
        self.connection = ours
        self.outstanding = 0  # requests given and not answered
        self.ended = False

    def submit(self, request: Any) -> None:
        """Give the process a request; it answers requests in the order given."""
        try:
            self.connection.send(request)
        except OSError as exc:
            raise ChildDied(str(exc)) from exc
        self.outstanding += 1

    def collect(self) -> Any:
        """The answer to the oldest request given and not yet collected."""
        try:
            answer = self.connection.recv()
        except (EOFError, OSError) as exc:
            raise ChildDied(str(exc) or "its pipe closed") from exc
        self.outstanding -= 1
        return answer

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


def close_all(children: Iterable[Child]) -> None:
    """Ask each child to end, and reap it."""
    for child in children:
        child.close()


def serve(connection: Connection, work: Callable[[Any], Any], who: str) -> NoReturn:
    """A child's loop: a request in, `work(request)` out, until None or the pipe's end."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        refuse_queries(who)
        while (request := connection.recv()) is not None:
            connection.send(work(request))
    except EOFError:
        pass  # the parent is gone: so are we
    except BaseException:
        logger.exception("%s failed", who)
        code = 1
    finally:
        os._exit(code)
