"""The arithmetic of the dashboard and the campaign report, as plain functions (no Django
models, no I/O): rates, day series, the width of a timeline's steps, the limits drawn in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

NO_VALUE = "—"  # a rate that cannot be computed (nothing handed over, not tracked)

# The granularity of a campaign's timeline: a short send by the minute, a day's by the hour.
MINUTE, HOUR, DAY = "minute", "hour", "day"


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a fraction; None when there is no whole to divide by."""
    if whole <= 0:
        return None
    return Decimal(part) / Decimal(whole)


def percent(value: Decimal | None, places: int = 2) -> str:
    """A rate as the pages show it: "1.25%", or a dash when there is none."""
    if value is None:
        return NO_VALUE
    return f"{value * 100:.{places}f}%"


def number(value: Decimal | None) -> float | None:
    """A rate for JSON (the API, the CLI, the charts): a float with six places, or null."""
    return None if value is None else round(float(value), 6)


def over(value: Decimal | None, limit: Decimal) -> bool:
    """True when a rate is above its policy limit (QUALITY-1/2)."""
    return value is not None and value > limit


def day_series(first: date, days: int, counts: Mapping[date, int]) -> list[int]:
    """One count per day from `first` for `days` days; days without events count 0."""
    return [int(counts.get(first + timedelta(days=i), 0)) for i in range(days)]


def day_labels(first: date, days: int) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range(days)]


def step_of(started: datetime | None, finished: datetime | None, now: datetime) -> str:
    """The width of a timeline's steps: minutes for a send of up to three hours, hours for
    up to four days, days beyond (a chart of at most about a hundred bars)."""
    if started is None:
        return HOUR
    length = (finished or now) - started
    if length <= timedelta(hours=3):
        return MINUTE
    if length <= timedelta(days=4):
        return HOUR
    return DAY


@dataclass(frozen=True)
class Bounces:
    """A send's bounces: hard (the address does not exist), soft (temporary or unclear) and
    refused as sender (policy or authentication, about the sender, not the recipient)."""

    hard: int = 0
    soft: int = 0
    sender: int = 0

    @property
    def total(self) -> int:
        return self.hard + self.soft + self.sender


@dataclass(frozen=True)
class SendNumbers:
    """The counts of one send that every rate is computed from."""

    recipients: int
    handed_over: int  # sent or refused at hand-over: the mail left the platform
    refused: int  # refused by the receiving server at hand-over
    bounced_after_sending: int  # accepted, then a bounce report came back
    bounces: Bounces  # by class, refusals at hand-over and bounce reports together
    complaints: int
    unsubscribes: int

    @property
    def delivered(self) -> int:
        """Handed over and accepted, with no bounce report since."""
        return max(self.handed_over - self.refused - self.bounced_after_sending, 0)

    @property
    def delivery_rate(self) -> Decimal | None:
        return rate(self.delivered, self.handed_over)

    @property
    def bounce_rate(self) -> Decimal | None:
        return rate(self.bounces.total, self.handed_over)

    @property
    def hard_bounce_rate(self) -> Decimal | None:
        return rate(self.bounces.hard, self.handed_over)

    @property
    def complaint_rate(self) -> Decimal | None:
        return rate(self.complaints, self.handed_over)

    @property
    def unsubscribe_rate(self) -> Decimal | None:
        return rate(self.unsubscribes, self.handed_over)


def unsubscribe_channel(method: str) -> str:
    """The channel an unsubscribe came through, from the method its evidence records:
    manual ones ("manual:phone") by the way they reached the account."""
    method = method or "other"
    return method.removeprefix("manual:")


def campaign_of_ref(ref: str) -> int | None:
    """The campaign an unsubscribe's reference names ("campaign:12:ledger:34"), if any."""
    head, _, rest = (ref or "").partition(":")
    if head != "campaign":
        return None
    number_, _, _ = rest.partition(":")
    return int(number_) if number_.isdigit() else None


def totals(rows: Iterable[Mapping[str, int]], keys: Iterable[str]) -> dict[str, int]:
    """Column sums of a table's rows."""
    names = list(keys)
    out = dict.fromkeys(names, 0)
    for row in rows:
        for name in names:
            out[name] += int(row.get(name, 0))
    return out
