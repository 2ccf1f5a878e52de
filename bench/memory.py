"""Memory of a benchmark's forked children, sampled from /proc (Linux)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path


class ChildMemory:
    """The largest sum, sampled every half second, of what this process's forked python
    children (the send's message builders, the import's reader) hold privately. Their
    shared pages are this process's own and counted in its peak already."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_kib = max(self.peak_kib, sum(map(private_kib, python_children())))


def python_children() -> list[int]:
    pids = []
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().startswith("python"):
                    pids.append(int(pid))
    return pids


def private_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0  # it ended meanwhile
    return sum(int(line.split()[1]) for line in lines if line.startswith("Private_"))
