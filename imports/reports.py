"""An import's per-row report as a file: one CSV line per row of the file (IMPORT-5).

The report is written as the import goes, a batch at a time, into a file of its own under
VAR_DIR (0600: it holds the addresses as the file had them). A batch's lines are on disk
(flushed and synced) before the batch's transaction commits, and the job records how many
bytes of the file are committed (`ImportJob.report_size`): a resumed import first cuts the
file back to that length, so lines of a batch whose transaction did not commit are not
reported twice. Lines are stored as written; the download neutralises every cell against
formula injection and adds the reason's text.

A million-row report was a million database rows with an index: a third of an import's
write time. As a file it is an append.

Erasure (STATUS-4, PRIVACY-1): a report keeps the addresses of its rows, and a contact
erased later must not come back through it. `redact` rewrites a finished import's report
with those addresses blanked; until it has, `lines` leaves them out as it reads
(`hidden`). Reports are deleted at the end of their retention (imports.services).
"""

from __future__ import annotations

import csv
import fcntl
import os
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from imports.checking import Parsed
    from imports.models import ImportJob

# A line has a fifth field, the column its reason is about, only if it names one: the
# lines written before there was one read the same.
FIELDS = ("row", "address", "outcome", "reason", "column")


def new_report_path() -> str:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{secrets.token_hex(16)}.report.csv")


class ReportBusy(Exception):
    """Another process writes this import's report: it runs the import."""


class ReportWriter:
    """Appends a running import's report lines after its committed ones."""

    def __init__(self, job: ImportJob) -> None:
        path = Path(job.report_path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # One writer at a time: a second worker on the same import (a resume while the
            # first still runs) would cut off the lines the first is about to commit.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ReportBusy(job.pk) from None
        self._file = os.fdopen(fd, "r+", newline="", encoding="utf-8")
        size = self._file.seek(0, os.SEEK_END)
        if size < job.report_size:
            raise RuntimeError(
                f"the import's report holds {size} bytes, {job.report_size} were committed"
            )
        # Lines of a batch that did not commit: it is written again.
        self._file.truncate(job.report_size)
        self._file.seek(job.report_size)
        self._csv = csv.writer(self._file)

    def append(self, parsed: Iterable[Parsed]) -> int:
        """Write the lines of one batch and put them on disk; returns the file's new size,
        which the batch's transaction records."""
        self._csv.writerows(
            (p.row, p.raw_address, p.outcome.value if p.outcome else "", p.reason or "", p.column)
            if p.column
            else (p.row, p.raw_address, p.outcome.value if p.outcome else "", p.reason or "")
            for p in parsed
        )
        self._file.flush()
        os.fsync(self._file.fileno())
        return self._file.tell()

    def close(self) -> None:
        self._file.close()


def lines(job: ImportJob, *, hidden: Collection[str] = ()) -> Iterator[tuple[int, str, str, str]]:
    """(row, address, outcome, reason) of every committed line, in row order; an address
    whose keyed hash is in `hidden` (an erased contact's) is given as ""."""
    for row, address, outcome, reason, _column in entries(job, hidden=hidden):
        yield row, address, outcome, reason


def entries(
    job: ImportJob, *, hidden: Collection[str] = ()
) -> Iterator[tuple[int, str, str, str, str]]:
    """`lines` with the column each reason is about ("" if it names none)."""
    if not job.report_path or not job.report_size:
        return
    erased = matcher(hidden)
    with Path(job.report_path).open(newline="", encoding="utf-8") as fh:
        remaining = job.report_size
        for row, address, outcome, reason, *column in csv.reader(_committed(fh, remaining)):
            yield (
                int(row),
                "" if erased(address) else address,
                outcome,
                reason,
                column[0] if column else "",
            )


def matcher(hidden: Collection[str]) -> Callable[[str], bool]:
    """Whether an address as the file had it (in a report or the uploaded file) is one of
    the `hidden` keyed hashes: normalised and hashed as the import did when it judged it."""
    if not hidden:
        return lambda _address: False
    from contacts.addresses import checked_address
    from core.addresses import address_keyer

    hashed = address_keyer()

    def erased(raw: str) -> bool:
        address = checked_address(raw) if raw else None
        return address is not None and hashed(address) in hidden

    return erased


def redact(job: ImportJob, hidden: Collection[str]) -> int:
    """Rewrite an import's report (finished, or failed and not running) with the
    addresses whose keyed hash is in `hidden` blanked: every line stays, with its row,
    outcome and reason. The new file is synced, then renamed over the old one inside the
    caller's transaction, which records the returned size: if that transaction does not
    commit, the recorded size is larger than the file and every line is still read; the
    next pass blanks them again."""
    path = Path(job.report_path)
    temp = path.with_suffix(".redacted")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(
            line if line[4] else line[:4] for line in entries(job, hidden=hidden)
        )
        out.flush()
        os.fsync(out.fileno())
        size = out.tell()
    os.replace(temp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return size


def delete(job: ImportJob) -> None:
    """The report file and the import's duplicate index, at the end of the retention."""
    if job.report_path:
        path = Path(job.report_path)
        path.unlink(missing_ok=True)
        path.with_suffix(".seen").unlink(missing_ok=True)


def _committed(fh: Iterable[str], size: int) -> Iterator[str]:
    """The file's text up to `size` bytes: lines after it belong to no committed batch."""
    for line in fh:
        size -= len(line.encode())
        if size < 0:
            return
        yield line


def count(job: ImportJob) -> int:
    return sum(1 for _line in lines(job))
