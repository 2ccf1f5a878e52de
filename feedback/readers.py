"""Reading a batch of inbound reports on every core: forked reader processes parse them.

Parsing a bounce or a complaint (`feedback.parsers`, the stdlib's MIME parse and the
pattern tables) is most of the Python that applying it costs, and one process holds the
GIL for all of it. So a batch of `feedback.services.process_many` is parsed by
`CONSENTRY_INBOUND_PARSE_PROCESSES` processes: the worker itself and readers forked from
it, each a share of the batch in order. The readers are kept for the next batch.

A reader never touches the database (`core.forking`: a query raises before it reaches the
connection it inherited); it only turns raw bytes into a `FeedbackReport`, and parsing
never raises. A reader that dies is replaced by parsing its share in the worker, so no
report is lost, and a new one is forked for the next batch.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Sequence

from django.conf import settings

from core.forking import Child, ChildDied, close_all
from feedback.parsers import FeedbackReport, parse_feedback

log = logging.getLogger(__name__)

# (raw message, its SMTP recipients): what one report is parsed from.
Item = tuple[bytes, tuple[str, ...]]
# Fewer reports than this are parsed in the worker: sending them costs more than it saves.
MIN_SHARE = 16


def parse_here(items: Sequence[Item]) -> list[FeedbackReport]:
    return [parse_feedback(raw, envelope_to=to) for raw, to in items]


class Readers:
    """The reader processes a worker keeps between batches; one batch at a time uses them
    (another thread that finds them busy parses its batch itself)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._children: list[Child] = []

    def parse(self, items: Sequence[Item], processes: int) -> list[FeedbackReport]:
        """The reports of `items`, in their order, parsed by `processes` processes."""
        shares = min(processes, len(items) // MIN_SHARE)
        if shares <= 1 or not self._lock.acquire(blocking=False):
            return parse_here(items)
        try:
            return self._parse(items, shares)
        finally:
            self._lock.release()

    def _parse(self, items: Sequence[Item], shares: int) -> list[FeedbackReport]:
        size = -(-len(items) // shares)
        parts = [list(items[first : first + size]) for first in range(0, len(items), size)]
        children = self._take(len(parts) - 1)
        given: list[tuple[Child | None, list[Item]]] = []
        for child, part in zip(children, parts[1:], strict=True):
            try:
                child.submit(part)
                given.append((child, part))
            except ChildDied:
                given.append((None, part))
        reports = parse_here(parts[0])  # the worker's own share, meanwhile
        for reader, part in given:
            reports.extend(self._collect(reader, part))
        self._take(0)  # a reader that died is not kept
        return reports

    @staticmethod
    def _collect(child: Child | None, part: list[Item]) -> list[FeedbackReport]:
        if child is not None:
            try:
                reports: list[FeedbackReport] = child.collect()
                return reports
            except ChildDied as exc:
                log.error("feedback reader %s died (%s): its reports parsed here", child.pid, exc)
        return parse_here(part)

    def _take(self, count: int) -> list[Child]:
        """`count` readers, the kept ones first; every one alive is kept, the dead ended."""
        alive = [c for c in self._children if c.reusable()]
        close_all(c for c in self._children if c not in alive)
        while len(alive) < count:
            alive.append(Child(parse_here, "a feedback reader process"))
        self._children = alive
        return alive[:count]

    def start(self, processes: int) -> None:
        """Fork the readers now (the listener, once started and its objects frozen: forked
        then, they share the most pages with it), not on the first large batch."""
        with self._lock:
            self._take(processes - 1)

    def close(self) -> None:
        with self._lock:
            children, self._children = self._children, []
        close_all(children)


readers = Readers()
atexit.register(readers.close)


def start() -> None:
    """The readers `parse_all` will use, forked now."""
    readers.start(settings.INBOUND_PARSE_PROCESSES)


def parse_all(items: Sequence[Item]) -> list[FeedbackReport]:
    """The reports of `items` in their order, parsed on as many processes as configured."""
    return readers.parse(items, settings.INBOUND_PARSE_PROCESSES)
