"""Reader processes (feedback.readers): a batch parsed on several processes gives each
message the report it gets parsed alone, in the batch's order; a reader that dies costs
no report, and a new one serves the next batch."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedback import readers
from feedback.parsers import FeedbackReport, parse_feedback
from feedback.simulate import arf, dsn

MESSAGES = Path(__file__).parent / "messages"


def batch(count: int) -> list[readers.Item]:
    """Hard and soft bounces, complaints, a message that is no report and one of garbage."""
    items: list[readers.Item] = []
    for n in range(count):
        to = (f"bounces+t{n}@news.example.com",)
        kind = n % 5
        if kind == 0:
            raw = dsn(f"r{n}@example.org", "5.1.1", "550 5.1.1 user unknown", f"<{n}@x>")
        elif kind == 1:
            raw = dsn(f"r{n}@example.org", "4.2.2", "452 4.2.2 mailbox full", f"<{n}@x>")
        elif kind == 2:
            raw, to = arf(f"r{n}@example.org", f"<{n}@x>"), ("fbl@news.example.com",)
        elif kind == 3:
            raw = (MESSAGES / "autoreply_de.eml").read_bytes()
        else:
            raw = b"\x00\xff not a message at all " + str(n).encode()
        items.append((raw, to))
    return items


def alone(items: list[readers.Item]) -> list[FeedbackReport]:
    return [parse_feedback(raw, envelope_to=list(to)) for raw, to in items]


@pytest.fixture
def kept() -> Iterator[readers.Readers]:
    made = readers.Readers()
    yield made
    made.close()


def test_a_batch_parsed_by_three_processes_is_parsed_as_each_message_alone(
    kept: readers.Readers,
) -> None:
    items = batch(100)
    parsed = kept.parse(items, 3)
    assert parsed == alone(items)
    assert [r.kind for r in parsed[:5]] == ["bounce", "bounce", "complaint", "autoreply", "unknown"]
    assert len(kept._children) == 2  # the worker parses a share itself
    assert all(child.pid != os.getpid() for child in kept._children)


def test_the_readers_are_kept_for_the_next_batch(kept: readers.Readers) -> None:
    kept.parse(batch(40), 2)
    (first,) = kept._children
    items = batch(60)
    assert kept.parse(items, 2) == alone(items)
    assert kept._children == [first]


def test_readers_forked_at_the_start_serve_the_first_batch(kept: readers.Readers) -> None:
    kept.start(3)
    started = list(kept._children)
    assert len(started) == 2
    items = batch(40)  # one share to the worker and one to a reader
    assert kept.parse(items, 3) == alone(items)
    assert kept._children == started  # the one not needed is kept too


def test_a_small_batch_is_parsed_in_the_worker(kept: readers.Readers) -> None:
    items = batch(readers.MIN_SHARE + 3)
    assert kept.parse(items, 4) == alone(items)
    assert kept._children == []


def test_a_reader_that_died_between_batches_is_replaced(kept: readers.Readers) -> None:
    kept.parse(batch(40), 2)
    (dead,) = kept._children
    os.kill(dead.pid, signal.SIGKILL)
    os.waitpid(dead.pid, 0)  # gone before the next batch starts
    items = batch(40)
    assert kept.parse(items, 2) == alone(items)
    (fresh,) = kept._children
    assert fresh.pid != dead.pid


def test_a_reader_that_dies_on_a_message_loses_no_report(
    kept: readers.Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader ends halfway through its share (as when the kernel kills it): its whole
    share is parsed in the worker, and every report of the batch comes back in order."""
    worker = os.getpid()

    def fatal(raw: bytes, *, envelope_to: list[str]) -> FeedbackReport:
        if os.getpid() != worker and raw.startswith(b"\x00"):
            os._exit(9)
        return parse_feedback(raw, envelope_to=envelope_to)

    items = batch(40)
    expected = alone(items)
    monkeypatch.setattr(readers, "parse_feedback", fatal)
    assert kept.parse(items, 2) == expected
    assert kept._children == []  # the dead one is not kept


def test_what_the_listener_parses_goes_through_its_settings(settings: Any) -> None:
    settings.INBOUND_PARSE_PROCESSES = 2
    items = batch(40)
    try:
        assert readers.parse_all(items) == alone(items)
        assert len(readers.readers._children) == 1
    finally:
        readers.readers.close()
