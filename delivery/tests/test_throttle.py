"""The engine's throttle (SEND-5) and the set-based ledger fill (SEND-4)."""

from __future__ import annotations

import threading
import time
from typing import Any

from delivery.throttle import Throttle


def test_the_overall_rate_spaces_hand_overs() -> None:
    throttle = Throttle(rate=20, domain_rate=1000, domain_concurrency=10)
    started = time.monotonic()
    for n in range(5):
        assert throttle.acquire(f"d{n}.example", lambda: False)
        throttle.release(f"d{n}.example")
    assert time.monotonic() - started >= 4 / 20 * 0.9


def test_a_domain_gets_at_most_its_concurrency_and_its_rate() -> None:
    throttle = Throttle(rate=1000, domain_rate=10, domain_concurrency=1)
    assert throttle.acquire("gmail.com", lambda: False)
    got: list[float] = []

    def second() -> None:
        assert throttle.acquire("gmail.com", lambda: False)
        got.append(time.monotonic())
        throttle.release("gmail.com")

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.3)
    assert got == []  # still held by the first hand-over
    released = time.monotonic()
    throttle.release("gmail.com")
    thread.join(5)
    assert got and got[0] >= released
    # Another domain is not held up by the busy one.
    assert throttle.acquire("web.de", lambda: False)


def test_a_halted_send_stops_waiting_for_a_slot() -> None:
    throttle = Throttle(rate=1000, domain_rate=0.5, domain_concurrency=1)
    assert throttle.acquire("gmx.de", lambda: False)
    throttle.release("gmx.de")
    started = time.monotonic()
    assert not throttle.acquire("gmx.de", lambda: True)  # the next slot is 2 s away
    assert time.monotonic() - started < 0.5


def test_the_ledger_is_filled_in_one_statement(
    sendable: Any, django_assert_num_queries: Any
) -> None:
    """SEND-4: one INSERT … SELECT whatever the number of recipients (plus the list ids)."""
    from delivery import ledger

    for n in range(30):
        sendable.add(f"f{n}@example.org")
    with django_assert_num_queries(2):
        assert ledger.fill(sendable.campaign, batch_size=10) == 33
    assert ledger.batches_with_work(sendable.campaign) == [0, 1, 2, 3]
    assert ledger.fill(sendable.campaign, batch_size=10) == 0  # a second fill adds nothing
