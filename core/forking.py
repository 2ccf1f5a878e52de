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
import os
from typing import Any


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
