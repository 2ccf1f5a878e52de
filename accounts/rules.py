"""Review state of an account (ACCOUNT-1): pending → active → suspended, and back."""

from __future__ import annotations

from typing import Final

ALLOWED: Final[dict[str, frozenset[str]]] = {
    "pending": frozenset({"active", "suspended", "refused"}),
    "active": frozenset({"suspended"}),
    # Lifting a suspension is an operator decision (QUALITY-3).
    "suspended": frozenset({"active"}),
    # The operator may reconsider a refused sign-up.
    "refused": frozenset({"active"}),
}


def may_change_review_state(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def may_send(review_state: str) -> bool:
    """Only an active account's mail leaves the platform; a pending one prepares, a
    suspended one is stopped (ACCOUNT-1)."""
    return review_state == "active"


def may_change_data(review_state: str) -> bool:
    """A suspended (or refused) account's users read; they change nothing until the
    operator lifts it."""
    return review_state not in ("suspended", "refused")


def suspension_notice(note: str) -> str:
    """What an API client of a suspended account is told (ACCOUNT-1): why, and what to do."""
    why = note or "by the platform operator"
    return (
        f"this account is suspended ({why}); its API keys can neither read nor change "
        "anything until the suspension is lifted: contact the platform operator"
    )


def may_manage_account(role: str | None) -> bool:
    """Owners and operators manage members and API keys; members work with contacts."""
    return role in ("owner", "operator")


# An account keeps a short list of test addresses: each one's confirmation mail leaves
# the platform, so the list is bounded like every other input.
MAX_TEST_ADDRESSES = 20
# A test address's confirmation link works this long.
TEST_ADDRESS_LINK_DAYS = 7


def strangers(requested: dict[str, str], own: set[str]) -> list[str]:
    """The requested addresses (key → address) that are none of the account's own: a test
    send refuses them all (no relay to strangers)."""
    return sorted(address for key, address in requested.items() if key not in own)


def sends_left_today(used: int, limit: int) -> int:
    """Recipients of test mail an account may still use today."""
    return max(limit - used, 0)


# ACCOUNT-1: the expected volume a sign-up states, in messages a month.
MAX_EXPECTED_VOLUME = 1_000_000_000


def guidelines_due(accepted: int | None, current: int, *, first_send: bool) -> bool:
    """ACCOUNT-4: the guidelines are shown (and accepted) again before a list's first
    send, and whenever a newer version than the one accepted is in force."""
    return first_send or accepted is None or accepted < current


def time_zone_problem(name: str) -> str:
    """Why `name` is no time zone an account may use ('' if it is one): an IANA name such
    as Europe/Berlin or UTC, as the platform's zone database knows it."""
    import zoneinfo

    if not name or len(name) > 64:
        return "a time zone is an IANA name such as Europe/Berlin (at most 64 characters)"
    if name not in zoneinfo.available_timezones() and name != "UTC":
        return f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
    return ""
