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
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from core.forking import Child, ChildDied, close_all

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


# The builder's process ended before it answered.
BuilderDied = ChildDied


class Builder(Child):
    """One forked process that builds the messages it is sent, a group at a time: `submit`
    a list of recipients, `collect` their `Built` in the order given."""

    def __init__(self, build: BuildFn) -> None:
        super().__init__(
            lambda recipients: [build_safely(build, r) for r in recipients],
            "a message builder process",
        )


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
        close_all(builders)


kept = KeptBuilders()
atexit.register(kept.close)
