"""Pure rules of the operator dashboard: rates and how close they are to a threshold."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# A rate at or above this share of its threshold is "near" it.
NEAR_SHARE = Decimal("0.8")


def rate(count: int, volume: int) -> Decimal:
    """count / volume, 0 without volume."""
    return Decimal(count) / Decimal(volume) if volume else Decimal(0)


def standing(value: Decimal, limit: Decimal, volume: int, min_volume: int) -> str:
    """ "over", "near" or "ok"; a volume too small to judge is "ok" (QUALITY-3)."""
    if volume < min_volume or limit <= 0:
        return "ok"
    if value > limit:
        return "over"
    return "near" if value >= limit * NEAR_SHARE else "ok"


@dataclass(frozen=True)
class Rates:
    """One account's or provider's figures over a period."""

    name: str
    sent: int
    hard_bounces: int
    complaints: int

    @property
    def bounce_rate(self) -> Decimal:
        return rate(self.hard_bounces, self.sent)

    @property
    def complaint_rate(self) -> Decimal:
        return rate(self.complaints, self.sent)

    def worst(self, bounce_limit: Decimal, complaint_limit: Decimal, min_volume: int) -> str:
        found = {
            standing(self.bounce_rate, bounce_limit, self.sent, min_volume),
            standing(self.complaint_rate, complaint_limit, self.sent, min_volume),
        }
        return "over" if "over" in found else "near" if "near" in found else "ok"
