"""Review state of an account (ACCOUNT-1): pending → active → suspended, and back."""

from __future__ import annotations

from typing import Final

ALLOWED: Final[dict[str, frozenset[str]]] = {
    "pending": frozenset({"active", "suspended"}),
    "active": frozenset({"suspended"}),
    # Lifting a suspension is an operator decision (QUALITY-3).
    "suspended": frozenset({"active"}),
}


def may_change_review_state(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def may_manage_account(role: str | None) -> bool:
    """Owners and operators manage members and API keys; members work with contacts."""
    return role in ("owner", "operator")
