"""The engine's throttle (SEND-5) and the set-based ledger fill (SEND-4)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from delivery.pace import DatabaseStore, Pace
from delivery.rules import Bucket
from delivery.throttle import Throttle


def roomy_pace() -> Pace:
    """Shared rates far above what a test sends: only the concurrency limit holds."""
    return Pace(DatabaseStore(), lambda domain: (Bucket(f"domain:{domain}", 600_000),))


@pytest.mark.django_db
def test_a_domain_gets_at_most_its_concurrency() -> None:
    pace = roomy_pace()
    pace.serve(lambda: None)  # this thread asks the store, as the engine's does
    throttle = Throttle(pace, domain_concurrency=1)
    got: list[float] = []

    def second() -> None:
        assert throttle.acquire("gmail.com", lambda: False)
        got.append(time.monotonic())
        throttle.release("gmail.com")

    def serve(thread: threading.Thread, seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until and thread.is_alive():
            pace.refill()
            time.sleep(0.01)

    first = threading.Thread(target=lambda: throttle.acquire("gmail.com", lambda: False))
    first.start()
    serve(first, 5)
    thread = threading.Thread(target=second)
    thread.start()
    serve(thread, 0.3)
    assert got == []  # still held by the first hand-over
    released = time.monotonic()
    throttle.release("gmail.com")
    serve(thread, 5)
    assert got and got[0] >= released
    # Another domain is not held up by the busy one.
    other = threading.Thread(target=lambda: got.append(throttle.acquire("web.de", lambda: False)))
    other.start()
    serve(other, 5)
    assert got[-1] is True


@pytest.mark.django_db
def test_a_halted_send_stops_waiting_for_a_slot_or_a_token() -> None:
    throttle = Throttle(roomy_pace(), domain_concurrency=1)
    assert throttle.acquire("gmx.de", lambda: False)
    assert not throttle.acquire("gmx.de", lambda: True)  # the slot is taken
    throttle.release("gmx.de")
    # A rate of one a minute: of two hand-overs within a second, one waits until halted.
    slow = Throttle(Pace(DatabaseStore(), lambda d: (Bucket("slow", 1),)), domain_concurrency=5)

    def halt_in(seconds: float) -> Any:
        until = time.monotonic() + seconds
        return lambda: time.monotonic() > until

    started = time.monotonic()
    results = [slow.acquire("gmx.de", halt_in(0.3)) for _ in range(2)]
    assert results.count(True) <= 1 and time.monotonic() - started < 5


def test_the_ledger_is_filled_in_one_statement(
    sendable: Any, django_assert_num_queries: Any
) -> None:
    """SEND-4: one INSERT … SELECT whatever the number of recipients (plus the list ids,
    and the account's freshness policy, AUDIT-3)."""
    from django.db import connection

    from delivery import ledger

    for n in range(30):
        sendable.add(f"f{n}@example.org")
    # On PostgreSQL the fill also turns the JIT compiler off for its transaction (a
    # savepoint here, SET LOCAL, its release): still no statement per recipient.
    with django_assert_num_queries(4 + (3 if connection.vendor == "postgresql" else 0)):
        assert ledger.fill(sendable.campaign, batch_size=10) == 33
    assert ledger.batches_with_work(sendable.campaign) == [0, 1, 2, 3]
    assert ledger.fill(sendable.campaign, batch_size=10) == 0  # a second fill adds nothing
