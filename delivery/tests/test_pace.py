"""SEND-5: send rates per mailbox provider, shared by every worker and send of the platform.

The arithmetic of the windows (delivery.rules), both shared stores (database and Redis),
and sends through the engine whose messages are counted per window as the SMTP server
received them."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.testing import SYSTEM
from delivery import rules
from delivery.pace import DatabaseStore, Pace, RedisStore
from delivery.rules import Bucket, allowance, take_all, used_now, window_of
from delivery.testing import Sendable, most_in_any_span
from policy import services as policy
from policy.models import ProviderGroup

REDIS_URL = "redis://127.0.0.1:6379/0"
GMAIL = ("@gmail.com", "@googlemail.com")


def redis_or_skip() -> RedisStore:
    store = RedisStore(REDIS_URL, prefix=f"consentry-test:{uuid.uuid4().hex}:")
    try:
        store._client.ping()
    except Exception as exc:  # no server on loopback: nothing to test against
        pytest.skip(f"Redis unreachable: {exc}")
    return store


# -- the pure rule ---------------------------------------------------------------------------


@given(st.integers(1, 2_000_000), st.integers(0, 10**10))
def test_any_sixty_windows_in_a_row_allow_exactly_the_rate_per_minute(
    per_minute: int, start: int
) -> None:
    windows = [allowance(per_minute, w) for w in range(start, start + 60)]
    assert sum(windows) == per_minute
    assert max(windows) <= math.ceil(per_minute / 60)
    assert min(windows) >= per_minute // 60


@given(
    st.lists(
        st.tuples(st.lists(st.integers(0, 3), min_size=1, max_size=3), st.integers(0, 50)),
        max_size=6,
    ),
    st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=4, max_size=4),
    st.integers(0, 10**6),
)
def test_grants_never_take_a_bucket_past_its_window(
    requests: list[tuple[list[int], int]], used: list[int | None], window: int
) -> None:
    buckets = [Bucket(f"b{n}", rate) for n, rate in enumerate((60, 600, 1, 6000))]
    lanes = [(tuple(buckets[i] for i in set(idx)), want) for idx, want in requests]
    stored = {b.key: used[n] for n, b in enumerate(buckets)}
    grants, after = take_all(lanes, stored, window)
    for (lane, want), grant in zip(lanes, grants, strict=True):
        assert 0 <= grant <= want
        if any(stored[b.key] is None for b in lane):
            assert grant == 0  # another worker's clock is ahead: nothing for this one
    for bucket in buckets:
        before = stored[bucket.key]
        if bucket.key not in after or before is None:
            continue
        assert after[bucket.key] <= max(allowance(bucket.per_minute, window), before)
        taken = sum(g for (lane, _), g in zip(lanes, grants, strict=True) if bucket in lane)
        assert after[bucket.key] - before == taken


def test_a_counter_in_a_later_window_leaves_nothing_and_an_older_one_starts_afresh() -> None:
    assert used_now(10, 7, 10) == 7
    assert used_now(9, 7, 10) == 0
    assert used_now(11, 7, 10) is None
    assert rules.reduced(3000, 0.25) == 750 and rules.reduced(3, 0.1) == 1


# -- the shared stores -----------------------------------------------------------------------


def check_store(store: Any) -> None:
    """Two workers' requests against one provider and one send: never past either limit."""
    gmail = Bucket(f"provider:gmail:{uuid.uuid4().hex}", 600)  # 10 a second
    send = Bucket(f"send:{uuid.uuid4().hex}", 240)  # 4 a second
    other = Bucket(f"provider:free:{uuid.uuid4().hex}", 120)  # 2 a second
    window = window_of(1_000_000.0)
    assert store.take([((gmail,), 7)], window) == [7]
    assert store.take([((gmail,), 7)], window) == [3]  # another worker: what is left
    assert store.take([((gmail,), 1), ((other,), 5)], window) == [0, 2]
    assert store.take([((gmail,), 7)], window + 1) == [7]  # the next window starts afresh
    assert store.take([((gmail, send), 9)], window + 2) == [4]
    assert store.take([((gmail,), 9)], window + 2) == [6]
    if isinstance(store, DatabaseStore):
        # A worker whose clock runs behind gets nothing once another has moved on (Redis
        # counts each window under its own key: there the workers' clocks must agree).
        assert store.take([((gmail,), 9)], window + 1) == [0]


@pytest.mark.django_db
def test_the_database_store_counts_for_every_worker() -> None:
    check_store(DatabaseStore())


def test_the_redis_store_counts_for_every_worker() -> None:
    check_store(redis_or_skip())


@pytest.mark.django_db
def test_a_worker_takes_tokens_in_blocks_and_unused_ones_die_with_their_window() -> None:
    """One request for what is expected; not one per message."""
    store = DatabaseStore()
    calls: list[int] = []

    class Counting:
        def take(self, requests: Any, window: int) -> list[int]:
            calls.append(len(requests))
            return store.take(requests, window)

    key = f"provider:gmail:{uuid.uuid4().hex}"
    pace = Pace(Counting(), lambda domain: (Bucket(key, 600_000),))
    pace.expect(["gmail.com"] * 20)
    for _ in range(20):
        assert pace.acquire("gmail.com", lambda: False)
    assert len(calls) <= 2  # a second window may begin in between


# -- sends through the engine ----------------------------------------------------------------


def set_gmail(per_minute: int) -> None:
    # A transactional test empties the tables the migrations seeded: Gmail comes back.
    group = ProviderGroup.objects.filter(name="gmail").first() or ProviderGroup(
        name="gmail", domains="gmail.com googlemail.com"
    )
    group.per_minute = per_minute
    policy.save_provider_group(group)


def gmail_send(sendable: Sendable, count: int) -> None:
    for n in range(count):
        sendable.add(f"g{n}@{'gmail.com' if n % 2 else 'googlemail.com'}")


def run_all(campaign: Any) -> None:
    from delivery import ledger
    from delivery.sends import run_batch

    for batch in ledger.batches_with_work(campaign):
        run_batch(campaign.pk, batch)


def test_an_account_under_measures_sends_to_a_provider_at_its_reduced_share(
    sendable: Sendable,
) -> None:
    """SEND-5 with QUALITY-3: Gmail at 10 a second, the account at a fifth of it."""
    from accounts import services as accounts

    set_gmail(600)
    policy.set_value("send.reduced_speed_share", "0.2")
    gmail_send(sendable, 8)
    accounts.set_reduced_speed(sendable.world.alice_account, True)
    sendable.start()
    run_all(sendable.campaign)
    to_gmail = [m for m in sendable.smtp.messages if m.rcpt_tos[0].endswith(GMAIL)]
    assert len(to_gmail) == 8
    assert most_in_any_span(to_gmail, 2) <= (2 + 1) * 2  # at full speed: all 8


def test_a_test_send_goes_at_the_reduced_share_of_its_providers_rate(
    sendable: Sendable,
) -> None:
    from delivery import sends

    set_gmail(240)
    policy.set_value("send.reduced_speed_share", "0.25")  # one a second
    from accounts import services as accounts

    addresses = [f"t{n}@gmail.com" for n in range(4)]
    for n, address in enumerate(addresses):  # test mail goes to members' own addresses only
        member = accounts.create_user(f"tester{n}", "a long enough password 1", email=address)
        accounts.add_member(sendable.world.alice_account, member)
    outcomes = sends.send_test(sendable.campaign, addresses, actor=SYSTEM)
    assert len(outcomes) == 4 and len(sendable.smtp.messages) == 4
    assert most_in_any_span(sendable.smtp.messages, 1) <= 2  # without a rate: all 4


def test_the_redis_store_paces_a_send_when_the_cache_is_redis(
    sendable: Sendable, settings: Any
) -> None:
    redis_or_skip()
    settings.CACHE_URL = REDIS_URL
    set_gmail(180)  # 3 a second
    gmail_send(sendable, 9)
    sendable.start()
    run_all(sendable.campaign)
    to_gmail = [m for m in sendable.smtp.messages if m.rcpt_tos[0].endswith(GMAIL)]
    assert len(to_gmail) == 9
    assert most_in_any_span(to_gmail, 1) <= (1 + 1) * 3  # at full speed: all 9
    from delivery.models import PaceCounter

    assert not PaceCounter.objects.exists()  # the database was not asked
