"""The hand-over journal: what a worker handed over, on local disk as it happens.

A batch run (delivery.engine) writes one append-only file, `<CONSENTRY_JOURNAL_DIR>/<owner>.log`,
before it claims its first row: a line before each message goes on the wire, a line with
each outcome as soon as the server answered. Each line is one write(2) of an O_APPEND file,
so it is in the kernel's hands before the sender thread goes on; a SIGKILLed process loses
none. The file is flushed to disk (fdatasync) in small groups: at the first line written
SYNC_SECONDS or more after the last flush.
The run holds a lock on it (lockf) while it lives and deletes it once its outcomes are in
the ledger.

A journal whose lock can be taken belongs to a dead process: `replay_dead` (run when a
worker starts, by the scheduler at each tick, and before leases are expired) gives the rows
that process still held their outcome:

- an outcome in the journal is written to the ledger as the run would have written it;
- a message begun but without an outcome was on the wire when the process died: `unknown`
  (at most one per SMTP connection: the transport has one message in flight per connection);
- a row never begun goes back to `queued` and is sent later, once: it never left.

When the machine restarted since the journal was written (another boot id), the part not
yet flushed to disk may be missing: rows without a line then become `unknown`, as without
a journal. A journal of another database is left alone.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from carrier.rules import FailureKind
from delivery import failures, ledger
from delivery.models import LedgerState, SendLedgerEntry

logger = logging.getLogger(__name__)

VERSION = 1
SYNC_SECONDS = 50 / 1000  # fsync in groups: at most every 50 ms
# Rows written per statement while replaying.
REPLAY_ROWS = 500
UNKNOWN_REPLY = "the worker died while this message was on the wire: it may or may not have arrived"
REQUEUED_REPLY = "queued again: the worker died before handing it over"
CANCELLED_REPLY = "the send was cancelled"

# Owners of the journals this process writes: lockf locks do not keep a process out of its
# own files, so `replay_dead` must not take these for a dead process's.
_own: set[str] = set()


def journal_dir() -> Path:
    return Path(settings.JOURNAL_DIR)


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:  # not Linux: every replay counts as after a restart (the safe side)
        return ""


def database_id() -> str:
    db = connection.settings_dict
    return f"{connection.vendor}:{db.get('HOST', '')}:{db.get('PORT', '')}:{db['NAME']}"


class Journal:
    """The journal of one batch run, written by its sender threads."""

    def __init__(self, owner: str, campaign_id: int) -> None:
        directory = journal_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.owner = owner
        self.path = directory / f"{owner}.log"
        # Written under a name replay ignores, locked, then renamed: a replay never sees a
        # journal without its header.
        building = directory / f"{owner}.new"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        self._fd = os.open(building, flags, 0o600)
        fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _own.add(owner)
        header = {
            "journal": VERSION,
            "owner": owner,
            "campaign": campaign_id,
            "boot": boot_id(),
            "database": database_id(),
            "pid": os.getpid(),
        }
        os.write(self._fd, json.dumps(header).encode() + b"\n")
        os.fdatasync(self._fd)
        os.rename(building, self.path)
        _sync_directory(directory)
        self._synced = time.monotonic()
        self._lock = threading.Lock()

    def begin(self, entry_id: int) -> None:
        """The message of this row goes on the wire now."""
        self._write(f'["b",{entry_id}]\n'.encode())

    def outcome(self, row: ledger.Written) -> None:
        """What the row becomes (as `ledger.record` would write it)."""
        at = row.next_attempt_at.timestamp() if row.next_attempt_at is not None else None
        line = ["o", row.entry_id, str(row.state), row.reply, row.queue_id, row.message_id]
        line += [row.sent, at, str(row.failure_class), row.attempts]
        self._write(json.dumps(line, separators=(",", ":")).encode() + b"\n")

    def _write(self, line: bytes) -> None:
        os.write(self._fd, line)
        if time.monotonic() - self._synced >= SYNC_SECONDS and self._lock.acquire(blocking=False):
            try:
                os.fdatasync(self._fd)
                self._synced = time.monotonic()
            finally:
                self._lock.release()

    def close(self, *, written: bool = True) -> None:
        """`written`: every outcome is in the ledger and the journal goes. Otherwise (the
        run failed) it stays, unlocked, for `replay_dead` to give the rows their outcome."""
        try:
            if written:
                self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            _own.discard(self.owner)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class _Read:
    header: dict[str, object]
    # The last line of each row: True once begun, or its outcome.
    rows: dict[int, ledger.Written | bool] = field(default_factory=dict)


def _read(text: str) -> _Read | None:
    lines = text.split("\n")
    try:
        header = json.loads(lines[0])
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("journal") != VERSION:
        return None
    read = _Read(header)
    for raw in lines[1:]:
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # the last line, cut short by the crash
        if line[0] == "b":
            read.rows[int(line[1])] = True
        elif line[0] == "o" and len(line) == 10:
            entry_id, state, reply, queue_id, message_id, sent, at, failure, attempts = line[1:]
            read.rows[int(entry_id)] = ledger.Written(
                int(entry_id),
                state,
                reply,
                queue_id,
                message_id,
                sent=bool(sent),
                next_attempt_at=datetime.fromtimestamp(at, tz=UTC) if at is not None else None,
                failure_class=failure,
                attempts=int(attempts),
            )
    return read


@dataclass
class Replayed:
    journals: int = 0
    written: int = 0
    unknown: int = 0
    requeued: int = 0

    def add(self, other: Replayed) -> None:
        self.journals += other.journals
        self.written += other.written
        self.unknown += other.unknown
        self.requeued += other.requeued


def replay_dead(directory: Path | None = None) -> Replayed:
    """Replay and delete every journal of this database whose process is gone."""
    directory = directory or journal_dir()
    total = Replayed()
    if not directory.is_dir():
        return total
    for path in sorted(directory.glob("*.log")) + sorted(directory.glob("*.new")):
        if path.stem in _own:
            continue
        try:
            total.add(_replay_file(path))
        except Exception:  # one bad file must not keep the others (or the caller) back
            logger.exception("journal %s could not be replayed", path.name)
    return total


def _replay_file(path: Path) -> Replayed:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return Replayed()
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return Replayed()  # its process lives
        try:
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                return Replayed()  # finished and deleted meanwhile
        except FileNotFoundError:
            return Replayed()
        with open(fd, encoding="utf-8", errors="replace", closefd=False) as file:
            read = _read(file.read())
        if path.suffix == ".new" or read is None:
            path.unlink(missing_ok=True)  # died before its first claim
            return Replayed()
        if read.header.get("database") != database_id():
            return Replayed()
        replayed = apply(read, same_boot=read.header.get("boot") == boot_id() != "")
        replayed.journals = 1
        path.unlink(missing_ok=True)
        logger.warning(
            "journal of dead worker run %s replayed: %s outcomes written, %s unknown, "
            "%s queued again",
            read.header.get("owner"),
            replayed.written,
            replayed.unknown,
            replayed.requeued,
        )
        return replayed
    finally:
        os.close(fd)


def apply(read: _Read, *, same_boot: bool) -> Replayed:
    """Give the rows the dead run still held (or that became `unknown` when its lease ran
    out) the outcome its journal tells."""
    owner = str(read.header["owner"])
    replayed = Replayed()
    now = timezone.now()
    with transaction.atomic():
        held = SendLedgerEntry.objects.filter(
            lease_owner=owner, state__in=(LedgerState.SENDING, LedgerState.UNKNOWN)
        )
        if connection.vendor == "postgresql":
            held = held.select_for_update()
        rows = dict(held.values_list("pk", "campaign_id"))
        outcomes = [o for i in rows if isinstance(o := read.rows.get(i), ledger.Written)]
        begun = [i for i in rows if read.rows.get(i) is True]
        rest = [i for i in rows if i not in read.rows]
        ledger.record(outcomes, now)
        replayed.written = len(outcomes)
        unknown = begun if same_boot else begun + rest
        _set(unknown, LedgerState.UNKNOWN, UNKNOWN_REPLY, now)
        replayed.unknown = len(unknown)
        if same_boot:
            replayed.requeued = _requeue(rest, rows, now)
    failures.failed_at_hand_over(
        [
            o.entry_id
            for o in outcomes
            if o.state == LedgerState.FAILED
            and o.failure_class in (FailureKind.HARD, FailureKind.SOFT)
        ]
    )
    return replayed


def _set(ids: Iterable[int], state: str, reply: str, now: datetime) -> int:
    ids = list(ids)
    for start in range(0, len(ids), REPLAY_ROWS):
        SendLedgerEntry.objects.filter(pk__in=ids[start : start + REPLAY_ROWS]).update(
            state=state, reply=reply, lease_owner="", lease_until=None, updated_at=now
        )
    return len(ids)


def _requeue(ids: list[int], campaigns: dict[int, int], now: datetime) -> int:
    """Rows never handed over go back to queued; those of a send cancelled meanwhile are
    skipped, as the cancel skipped its queued rows."""
    from campaigns.models import Campaign
    from campaigns.rules import CampaignState

    cancelled = set(
        Campaign.objects.filter(
            pk__in=set(campaigns.values()), state=CampaignState.CANCELLED
        ).values_list("pk", flat=True)
    )
    _set([i for i in ids if campaigns[i] in cancelled], LedgerState.SKIPPED, CANCELLED_REPLY, now)
    return _set(
        [i for i in ids if campaigns[i] not in cancelled], LedgerState.QUEUED, REQUEUED_REPLY, now
    )
