"""Read queries of the policy's measures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.models import Violation

if TYPE_CHECKING:
    from campaigns.models import Campaign


def violations_of(campaign: Campaign) -> list[Violation]:
    """QUALITY-3: the violations a send caused, oldest first."""
    return list(Violation.objects.filter(campaign=campaign).order_by("pk"))
