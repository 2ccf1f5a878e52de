"""The evidence port: how apps below the evidence ledger prove their changes (STATUS-6).

Contacts and sender domains change inside a transaction that must also append its
evidence record, but the ledger (consent) builds on them: it keeps records about
contacts. So they write through this port, and the consent app installs the ledger here
when Django starts. Without it installed nothing may change: a change without its
evidence would be a change nobody can prove.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.actors import Actor


@dataclass(frozen=True)
class Entry:
    """One record of a batch (`record_many`); `contact_id` None for an account-level
    record, `actor` None for the batch's actor."""

    kind: str
    contact_id: int | None = None
    payload: dict[str, Any] | None = None
    personal: dict[str, Any] | None = None
    source: str = ""
    actor: Actor | None = None


class Ledger(Protocol):
    def record(
        self,
        account: Any,  # an accounts.Account: core imports no app
        kind: str,
        *,
        actor: Actor,
        contact: Any = None,
        source: str = "",
        payload: dict[str, Any] | None = None,
        personal: dict[str, Any] | None = None,
        wording: Any = None,
    ) -> Any: ...

    def record_many(
        self,
        account: Any,
        entries: Sequence[Entry],
        *,
        actor: Actor,
        keys: dict[int, bytes] | None = None,
    ) -> int: ...


_ledger: Ledger | None = None


def install(ledger: Ledger) -> None:
    global _ledger
    _ledger = ledger


def record(account: Any, kind: str, *, actor: Actor, **facts: Any) -> Any:
    """Append one record to the account's chain, inside the caller's transaction."""
    if _ledger is None:
        raise RuntimeError("no evidence ledger is installed: changes cannot be proven")
    return _ledger.record(account, kind, actor=actor, **facts)


def record_many(account: Any, entries: Sequence[Entry], *, actor: Actor) -> int:
    """Append `entries` to the account's chain under one lock of its head, inside the
    caller's transaction, chained as one `record` after another. Returns the last seq."""
    if _ledger is None:
        raise RuntimeError("no evidence ledger is installed: changes cannot be proven")
    return _ledger.record_many(account, entries, actor=actor)
