"""SEND-5: send rates shared by every worker of the platform, per mailbox provider.

A message counts against a lane of shared buckets (delivery.rules): its provider group, its
send's overall rate, and for an account under measures or a test send that account's
reduced share of the provider's rate. The counters live in the database (one row per
bucket, changed under the row lock; SQLite's write lock serialises) or, with
CONSENTRY_CACHE_URL, in Redis (one Lua script per request). A worker takes tokens of the
current one-second window in blocks and hands them to its sender threads (`Pace`); what it
does not use dies with the window, so all workers together never pass a bucket's limit.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction

from delivery import rules
from delivery.models import PaceCounter
from delivery.rules import Bucket, Lane
from policy.selectors import provider_table

# How long a waiting thread sleeps before it looks at the halt flag and its tokens again.
POLL_SECONDS = 1 / 20
# Counters untouched this long are removed at the end of a batch (database store).
PRUNE_SECONDS = 3600
# A request: a lane and how many tokens of the current window are wanted for it.
Request = tuple[Lane, int]


class Store(Protocol):
    def take(self, requests: Sequence[Request], window: int) -> list[int]:
        """Grant each (lane, wanted) what its buckets still have in `window`, atomically
        across all workers."""
        ...


class DatabaseStore:
    """Counters in delivery.models.PaceCounter, one row per bucket."""

    def take(self, requests: Sequence[Request], window: int) -> list[int]:
        keys = sorted({bucket.key for lane, _ in requests for bucket in lane})
        with transaction.atomic():
            rows = self._locked(keys)
            missing = [key for key in keys if key not in rows]
            if missing:
                PaceCounter.objects.bulk_create(
                    [PaceCounter(key=key, window=window, used=0) for key in missing],
                    ignore_conflicts=True,
                )
                rows = self._locked(keys)
            used = {key: rules.used_now(*rows[key], window) for key in rows}
            grants, after = rules.take_all(requests, used, window)
            changed = {
                key: after[key]
                for key, row in rows.items()
                if used[key] is not None and row != (window, after[key])
            }
            if changed:
                self._write(changed, window)
        return grants

    @staticmethod
    def _locked(keys: list[str]) -> dict[str, tuple[int, int]]:
        """(window, used) of each key's row, locked."""
        # In key order, so two workers with overlapping lanes never wait on each other
        # around a circle (PostgreSQL row locks; on SQLite the transaction's write lock).
        query = PaceCounter.objects.select_for_update().filter(key__in=keys).order_by("key")
        return {key: (win, used) for key, win, used in query.values_list("key", "window", "used")}

    @staticmethod
    def _write(changed: dict[str, int], window: int) -> None:
        """One UPDATE for every changed counter (the ORM's bulk_update costs a worker's
        database thread ~30 ms for 50 rows)."""
        quote = connection.ops.quote_name
        cases = " ".join(["WHEN %s THEN %s"] * len(changed))
        marks = ", ".join(["%s"] * len(changed))
        # Only quoted names and placeholders go into the text; the values are parameters.
        sql = (
            f"UPDATE {quote(PaceCounter._meta.db_table)} SET {quote('window')} = %s, "  # noqa: S608
            f"{quote('used')} = CASE {quote('key')} {cases} END "
            f"WHERE {quote('key')} IN ({marks})"
        )
        params: list[str | int] = [window]
        for key, value in changed.items():
            params += [key, value]
        params += list(changed)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# KEYS: one counter per bucket for this window. ARGV: the lifetime of a counter (ms), each
# bucket's allowance in this window, then the number of requests and for each: wanted,
# number of buckets, the buckets' 1-based indexes into KEYS.
_TAKE = """
local n = #KEYS
local used = {}
for i = 1, n do used[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end
local pos = n + 2
local requests = tonumber(ARGV[pos])
pos = pos + 1
local out = {}
for r = 1, requests do
  local grant = tonumber(ARGV[pos])
  local count = tonumber(ARGV[pos + 1])
  pos = pos + 2
  for j = 0, count - 1 do
    local i = tonumber(ARGV[pos + j])
    local left = tonumber(ARGV[1 + i]) - used[i]
    if left < grant then grant = left end
  end
  if grant < 0 then grant = 0 end
  for j = 0, count - 1 do
    local i = tonumber(ARGV[pos + j])
    used[i] = used[i] + grant
  end
  pos = pos + count
  out[r] = grant
end
for i = 1, n do redis.call('SET', KEYS[i], used[i], 'PX', ARGV[1]) end
return out
"""


class RedisStore:
    """Counters in Redis, one key per bucket and window, gone a minute after it."""

    def __init__(self, url: str, prefix: str = "consentry:pace:") -> None:
        import redis

        self.prefix = prefix
        self._client = redis.Redis.from_url(url)
        self._take = self._client.register_script(_TAKE)

    def take(self, requests: Sequence[Request], window: int) -> list[int]:
        buckets: dict[str, Bucket] = {}
        for lane, _ in requests:
            for bucket in lane:
                buckets.setdefault(bucket.key, bucket)
        order = list(buckets)
        index = {key: n + 1 for n, key in enumerate(order)}
        args: list[int] = [60_000]
        args += [rules.allowance(buckets[key].per_minute, window) for key in order]
        args.append(len(requests))
        for lane, want in requests:
            args += [want, len(lane), *(index[b.key] for b in lane)]
        keys = [f"{self.prefix}{key}:{window}" for key in order]
        return [int(g) for g in self._take(keys=keys, args=args)]


def prune() -> int:
    """Remove the database counters of buckets nobody used for an hour (one per send,
    per account under measures, per destination domain outside the provider groups)."""
    if settings.CACHE_URL:
        return 0  # Redis lets its counters expire
    window = rules.window_of(time.time()) - PRUNE_SECONDS // rules.WINDOW_SECONDS
    return PaceCounter.objects.filter(window__lt=window).delete()[0]


@functools.cache
def _redis(url: str, database: str) -> RedisStore:
    # Two platforms on one Redis (staging beside production) keep their counters apart.
    return RedisStore(url, prefix=f"consentry:pace:{database}:")


def shared_store() -> Store:
    """Redis when CONSENTRY_CACHE_URL names one, else the database."""
    if settings.CACHE_URL:
        return _redis(settings.CACHE_URL, str(connection.settings_dict["NAME"]))
    return DatabaseStore()


def send_lanes(
    campaign_id: int, account_id: int, *, per_minute: int, share: Decimal | None
) -> Callable[[str], Lane]:
    """A send's lane per recipient domain: its provider, the send's overall rate and, for an
    account under measures (`share`), the account's share of the provider's rate."""
    table = provider_table()

    def lane_of(domain: str) -> Lane:
        to = table.destination(domain)
        lane = [Bucket(to.key, to.per_minute), Bucket(f"send:{campaign_id}", per_minute)]
        if share is not None:
            lane.append(
                Bucket(f"account:{account_id}:{to.key}", rules.reduced(to.per_minute, share))
            )
        return tuple(lane)

    return lane_of


def lanes_of_a_test_send(account_id: int, *, share: Decimal) -> Callable[[str], Lane]:
    """A test send counts against its provider and goes at the reduced share of its rate."""
    table = provider_table()

    def lane_of(domain: str) -> Lane:
        to = table.destination(domain)
        reduced = rules.reduced(to.per_minute, share)
        return (Bucket(to.key, to.per_minute), Bucket(f"test:{account_id}:{to.key}", reduced))

    return lane_of


class Pace:
    """One worker's tokens of the current window, per lane.

    Sender threads `acquire` a token for a recipient's domain, each at its turn: this
    worker spaces its own hand-overs evenly at every rate of the lane, the tokens keep all
    workers together within it. Only the thread that owns
    the database asks the store: served (`serve`), it calls `refill` whenever a sender
    wakes it; else (one thread) `acquire` asks the store itself."""

    def __init__(self, store: Store, lane_of: Callable[[str], Lane]) -> None:
        self._store = store
        self._lane_of = lane_of
        self._lanes: dict[str, Lane] = {}
        self._cond = threading.Condition()
        self._window = rules.window_of(time.time())
        self._tokens: dict[Lane, int] = {}
        self._waiting: dict[Lane, int] = {}
        self._expected: dict[Lane, int] = {}
        self._empty_until: dict[Lane, float] = {}
        # This worker's next free hand-over per bucket (monotonic): its own messages are
        # spaced evenly at each rate, not sent in a burst when a window opens.
        self._next: dict[str, float] = {}
        self._wake: Callable[[], None] | None = None

    def lane(self, domain: str) -> Lane:
        with self._cond:
            found = self._lanes.get(domain)
            if found is None:
                found = self._lanes[domain] = self._lane_of(domain)
            return found

    def serve(self, wake: Callable[[], None] | None) -> None:
        """From now on `wake` is called when a sender needs tokens; None: self-serve."""
        self._wake = wake

    def expect(self, domains: Iterable[str]) -> None:
        """Recipients about to be handed over: the next request asks for enough of them."""
        for domain in domains:
            lane = self.lane(domain)
            with self._cond:
                self._expected[lane] = self._expected.get(lane, 0) + 1

    def forget(self, domain: str) -> None:
        """An expected recipient that will not be handed over after all."""
        lane = self.lane(domain)
        with self._cond:
            self._expected[lane] = max(0, self._expected.get(lane, 0) - 1)

    def acquire(self, domain: str, halted: Callable[[], bool]) -> bool:
        """Wait for a token of `domain`'s lane; False when the send halts meanwhile."""
        lane = self.lane(domain)
        with self._cond:
            # From expected to waiting: a sender in here counts until it has its token.
            self._expected[lane] = max(0, self._expected.get(lane, 0) - 1)
            self._waiting[lane] = self._waiting.get(lane, 0) + 1
            now = time.monotonic()
            slot = max([now, *(self._next.get(bucket.key, 0.0) for bucket in lane)])
            for bucket in lane:
                self._next[bucket.key] = slot + 60.0 / bucket.per_minute
        try:
            while (wait := slot - time.monotonic()) > 0:
                if halted():
                    return False
                time.sleep(min(wait, POLL_SECONDS))
            while True:
                with self._cond:
                    self._roll()
                    if self._tokens.get(lane, 0) > 0:
                        self._tokens[lane] -= 1
                        return True
                if halted():
                    return False
                wake = self._wake
                if wake is None:
                    if not self.refill():
                        time.sleep(POLL_SECONDS)
                else:
                    wake()
                    with self._cond:
                        if self._tokens.get(lane, 0) == 0:
                            self._cond.wait(POLL_SECONDS)
        finally:
            with self._cond:
                self._waiting[lane] -= 1

    def refill(self) -> bool:
        """Ask the store for the lanes short of tokens for the senders that wait or soon
        will; True when anything was granted."""
        now = time.time()
        with self._cond:
            self._roll()
            window = self._window
            # Every lane short of the tokens its senders wait for or will soon need, in one
            # request to the store. Waiting lanes first, the smallest first: the store grants in
            # order, so tokens asked ahead for one domain never starve a sender waiting for
            # another of a bucket they share (the send's rate), nor do a few recipients of
            # a domain wait behind a great many of another.
            wanted = []
            for lane in set(self._waiting) | set(self._expected):
                waiting = self._waiting.get(lane, 0)
                have = self._tokens.get(lane, 0)
                want = waiting + self._expected.get(lane, 0) - have
                if want > 0 and self._empty_until.get(lane, 0) <= now:
                    wanted.append((not (waiting and not have), want, lane))
            wanted.sort(key=lambda found: found[:2])
            requests = [(lane, want) for _, want, lane in wanted]
        if not requests:
            return False
        grants = self._store.take(requests, window)
        with self._cond:
            self._roll()
            if self._window != window:
                return False  # granted for a window that is over: those tokens are gone
            for (lane, want), grant in zip(requests, grants, strict=True):
                self._tokens[lane] = self._tokens.get(lane, 0) + grant
                if grant < want:  # a bucket of the lane has nothing left in this window
                    self._empty_until[lane] = rules.window_end(window)
            self._cond.notify_all()
        return any(grants)

    def _roll(self) -> None:
        """Tokens live as long as their window (under the lock)."""
        window = rules.window_of(time.time())
        if window != self._window:
            self._window = window
            self._tokens.clear()
