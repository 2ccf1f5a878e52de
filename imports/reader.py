"""An import's rows read and checked in a forked process while the worker writes (IMPORT-9).

An import has two halves, and each can keep a core busy: checking rows (reading the file,
email syntax, the keyed hash, the duplicates within the file) is Python that needs no
database; judging and writing them is the worker's, with the database. `Reader` forks a
process that inherits the import's `RowChecker` and streams batches of checked rows to
the worker through a pipe. The pipe bounds what is in flight: the child blocks on a full
pipe, so one batch is being written while the next is being checked.

Duplicates within the file are found here, since the child sees every row in order. Their
index is a throw-away SQLite file of the first 16 bytes of each row's keyed hash, so memory
stays flat however large the file. A resumed import checks the rows committed before its
interruption again, without sending them, which rebuilds that index.

The child never queries the worker's database (`core.forking`), ends when its pipe closes,
and leaves by `os._exit`. An error in it reaches the worker as the import's error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from core.errors import InvalidInput
from core.forking import close_inherited, refuse_queries
from domains import dns as domain_dns
from imports.files import Cell, FileProblem
from imports.rules import Reason

if TYPE_CHECKING:
    from imports.checking import Parsed, RowChecker

logger = logging.getLogger(__name__)

Source = Callable[[], Iterator[tuple[int, list[Cell]]]]


class Failed(NamedTuple):
    """What the child sends instead of a batch when it cannot go on."""

    message: str
    in_file: bool  # a FileProblem (or InvalidInput): the file's fault, not the program's


class ReaderDied(RuntimeError):
    """The reader process ended before the end of the file."""


class Seen:
    """The keyed hashes met so far in one file, on disk: whether a row repeats one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -8192"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (k BLOB PRIMARY KEY) WITHOUT ROWID")
        self.db.execute("DELETE FROM seen")
        self.db.execute("BEGIN")
        self._add = self.db.cursor()

    def repeats(self, digest: str) -> bool:
        """True if an earlier row had this hash; remembers it either way."""
        self._add.execute("INSERT OR IGNORE INTO seen VALUES (?)", (bytes.fromhex(digest[:32]),))
        return self._add.rowcount == 0

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


def check_rows(
    checker: RowChecker, source: Source, *, start: int, size: int, seen: Seen
) -> Iterator[list[Parsed]]:
    """The checked rows after the first `start`, in batches of `size`: every row is
    checked and its hash remembered, so a duplicate of a committed row is found too. A
    rejected row counts as an earlier occurrence: a duplicate is reported as one."""
    batch: list[Parsed] = []
    for index, (number, cells) in enumerate(source()):
        parsed = checker.parse(number, cells)
        if parsed.digest and seen.repeats(parsed.digest):
            parsed.reject(Reason.DUPLICATE_IN_FILE)
        if index < start:
            continue  # committed before an interruption
        batch.append(parsed)
        if len(batch) >= size:
            checker.check_domains(batch)
            yield batch
            batch = []
    if batch:
        checker.check_domains(batch)
        yield batch


class Reader:
    """The forked reader of one import run; iterate for its batches, then close."""

    def __init__(
        self, checker: RowChecker, source: Source, *, start: int, size: int, seen_path: Path
    ) -> None:
        self.seen_path = seen_path
        ours, theirs = Pipe(duplex=False)
        # The child checks address domains in DNS, the sandbox DNS among it, but may not
        # query the database: it takes the sandbox's records along.
        sandbox = domain_dns.sandbox_snapshot()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            close_inherited(keep=theirs.fileno())
            domain_dns.use_sandbox_snapshot(sandbox)
            _serve(theirs, checker, source, start=start, size=size, seen_path=seen_path)
        theirs.close()
        self.pid = pid
        self.connection: Connection = ours
        self.ended = False

    def __iter__(self) -> Iterator[list[Parsed]]:
        while True:
            try:
                item: list[Parsed] | Failed | None = self.connection.recv()
            except (EOFError, OSError) as exc:
                raise ReaderDied("the import's reader process ended before the file") from exc
            if item is None:
                return
            if isinstance(item, Failed):
                if item.in_file:
                    raise FileProblem(item.message)
                raise ReaderDied(f"the import's reader failed: {item.message}")
            yield item

    def close(self) -> None:
        """End the child (it may be blocked on a full pipe) and reap it."""
        self.connection.close()
        if not self.ended:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.ended = True
        self.seen_path.unlink(missing_ok=True)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _serve(
    connection: Connection,
    checker: RowChecker,
    source: Source,
    *,
    start: int,
    size: int,
    seen_path: Path,
) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when to stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        refuse_queries("an import's reader process")
        seen = Seen(seen_path)
        try:
            for batch in check_rows(checker, source, start=start, size=size, seen=seen):
                connection.send(batch)
            connection.send(None)
        except InvalidInput as exc:  # FileProblem among them: a ragged row, a bad cell
            connection.send(Failed(str(getattr(exc, "message", exc)), in_file=True))
        finally:
            seen.close()
    except (BrokenPipeError, EOFError):
        pass  # the worker is gone or stopped reading: so are we
    except BaseException as exc:
        logger.exception("import reader failed")
        with contextlib.suppress(OSError):
            connection.send(Failed(f"{type(exc).__name__}: {exc}", in_file=False))
        code = 1
    finally:
        os._exit(code)
