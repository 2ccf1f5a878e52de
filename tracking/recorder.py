"""Writing opens and clicks: in the request, or in groups a moment later.

The pixel and the redirect answer every recipient's mail client and every scanner, so the
request itself makes no database round trip when `TRACKING_FLUSH_MS` is above zero: the
event (its signed ledger row, kind, URL, time and machine verdict) goes into this process's
buffer, and a writer thread stores the buffer every `TRACKING_FLUSH_MS` milliseconds in one
transaction. The consent check is part of that write: a row is stored only while the
contact's consent to tracking stands, as when written in the request.

What a crash may cost: the events of the last flush interval of a process killed outright
(SIGKILL, power). A process that exits (gunicorn's graceful stop, a restart after
`max_requests`) writes its buffer first. Opens and clicks are statistics; unsubscribes,
which must never be lost, do not come this way (subscriber.one_click).

`TRACKING_FLUSH_MS = 0` writes each event in the request that recorded it (the tests).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)

from contacts.models import Contact
from contacts.rules import Status
from delivery.models import SendLedgerEntry
from tracking.models import TrackingEvent

logger = logging.getLogger(__name__)

# Events a process holds at most while the database cannot take them (an outage): beyond
# this the oldest are dropped and counted in the log, so memory stays bounded.
MAX_BUFFERED = 50_000
# Opens and clicks stored per message at most: a reader opens a mail a few times and
# follows a few links; a script replaying one signed link forever fills no disk. The
# report counts people, so the rates do not change.
MAX_EVENTS_PER_MESSAGE = 100


@dataclass(frozen=True, slots=True)
class Event:
    entry_id: int
    kind: str
    url: str
    at: datetime
    machine: str


# One INSERT … SELECT per event: the ledger row gives campaign and contact, and the
# contact's consent decides whether anything is stored; an erased contact's never are,
# whatever its flag said (an event buffered before the erasure is written after it); a
# message's events stop at MAX_EVENTS_PER_MESSAGE. Table names from the models' metadata;
# every value goes in as a parameter.
_INSERT_SQL = (
    f"INSERT INTO {TrackingEvent._meta.db_table}"  # noqa: S608
    " (campaign_id, entry_id, contact_id, kind, url, at, machine)"
    " SELECT e.campaign_id, e.id, e.contact_id, %s, %s, %s, %s"
    f" FROM {SendLedgerEntry._meta.db_table} e"
    f" JOIN {Contact._meta.db_table} c ON c.id = e.contact_id"
    " WHERE e.id = %s AND c.tracking_consent AND c.status <> %s"
    f" AND (SELECT count(*) FROM {TrackingEvent._meta.db_table} t WHERE t.entry_id = e.id) < %s"
)


def write(events: Sequence[Event]) -> None:
    """Store `events` now, in one transaction; those of contacts without consent (or of a
    ledger row gone with its contact) are skipped."""
    if not events:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            _INSERT_SQL,
            [
                (
                    e.kind,
                    e.url,
                    e.at,
                    e.machine,
                    e.entry_id,
                    Status.DELETED.value,
                    MAX_EVENTS_PER_MESSAGE,
                )
                for e in events
            ],
        )


class Recorder:
    """This process's buffer of events and the thread that writes it."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        """An empty buffer and no writer yet: at creation, and in a forked child (the
        parent's lock, events and thread are not the child's)."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._events: list[Event] = []
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def add(self, event: Event) -> None:
        interval = int(settings.TRACKING_FLUSH_MS)
        if interval <= 0:
            write([event])
            return
        with self._lock:
            self._events.append(event)
            if len(self._events) > MAX_BUFFERED:
                del self._events[0]
                self.dropped += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run,
                    args=(interval / 1000, self._wake),
                    name="tracking-writer",
                    daemon=True,
                )
                self._thread.start()

    def flush(self) -> int:
        """Write what is buffered now; the number handed to the database. While the
        database cannot be reached the events stay for the next flush; an event it refuses
        for itself is dropped with a log line, so it cannot hold up the others."""
        with self._lock:
            events, self._events = self._events, []
        if not events:
            return 0
        try:
            write(events)
        except (OperationalError, InterfaceError):
            logger.exception(
                "tracking: %d events not stored yet, kept for the next try", len(events)
            )
            with self._lock:
                self._events[:0] = events
                excess = len(self._events) - MAX_BUFFERED
                if excess > 0:
                    del self._events[:excess]
                    self.dropped += excess
            return 0
        except DatabaseError:
            return self._write_one_by_one(events)
        return len(events)

    def _write_one_by_one(self, events: list[Event]) -> int:
        written = 0
        for event in events:
            try:
                write([event])
                written += 1
            except DatabaseError:
                logger.exception(
                    "tracking: event of ledger row %s refused, dropped", event.entry_id
                )
        return written

    def _run(self, seconds: float, wake: threading.Event) -> None:
        while not wake.wait(seconds):
            # The writer's own connection: closed after an error or at its maximum age.
            try:
                close_old_connections()
                self.flush()
            except Exception:  # the writer lives on: the next interval tries again
                logger.exception("tracking: the writer's flush failed")
            if self.dropped:
                logger.warning("tracking: %d events dropped during a database outage", self.dropped)
                self.dropped = 0
        connection.close()  # the writer's own; its thread ends here

    def stop(self) -> None:
        """Write the rest and end the writer (the process is exiting); an event recorded
        after this starts a new one."""
        with self._lock:
            thread, wake = self._thread, self._wake
            self._thread, self._wake = None, threading.Event()
        wake.set()
        if thread is not None:
            thread.join(timeout=5)
        self.flush()


recorder = Recorder()
atexit.register(recorder.stop)
os.register_at_fork(after_in_child=recorder._start)
