"""Accounts, review states, memberships and API keys (ACCOUNT-1/2, PRIVACY-2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts import services
from accounts.models import Account, ApiKey, ReviewState
from accounts.rules import may_change_review_state
from accounts.selectors import account_for_api_key
from core.errors import Conflict, InvalidInput, RuleViolation


def test_new_accounts_wait_for_review(db) -> None:
    """ACCOUNT-1: the operator reviews and activates; only active accounts send."""
    account = services.create_account("Neue Firma GmbH")
    assert account.slug == "neue-firma-gmbh" and account.review_state == "pending"
    assert not account.is_active
    account = services.change_review_state(account, ReviewState.ACTIVE)
    assert account.is_active and account.reviewed_at is not None


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("pending", "active", True),
        ("pending", "suspended", True),
        ("active", "suspended", True),
        ("suspended", "active", True),
        ("active", "pending", False),
        ("suspended", "pending", False),
        ("active", "active", False),
    ],
)
def test_review_state_moves(current: str, target: str, allowed: bool) -> None:
    assert may_change_review_state(current, target) is allowed


def test_it_refuses_a_move_the_rules_forbid(world) -> None:
    with pytest.raises(RuleViolation):
        services.change_review_state(world.alice_account, ReviewState.PENDING)
    with pytest.raises(InvalidInput):
        services.change_review_state(world.alice_account, "closed")
    with pytest.raises(Conflict):
        services.create_account("Alice Shop")


def test_api_keys_are_stored_hashed_and_shown_once(world) -> None:
    key, plain = services.create_api_key(world.alice_account, "shop sync")
    stored = ApiKey.objects.get(pk=key.pk)
    assert plain not in (stored.key_hash, stored.prefix) and plain.startswith("cs_")
    # The secret is everything after "cs_<prefix>_"; token_urlsafe may itself hold "_".
    assert plain.split("_", 2)[2] not in stored.key_hash
    assert account_for_api_key(plain) == (world.alice_account, stored)
    assert account_for_api_key(plain[:-1] + ("A" if plain[-1] != "A" else "B")) is None
    assert account_for_api_key("cs_nothing_here") is None
    services.revoke_api_key(stored)
    assert account_for_api_key(plain) is None


def test_the_cli_creates_and_activates_accounts(db, capsys) -> None:
    call_command("account", "create", "Baeckerei Lecker", "--slug", "lecker")
    call_command("account", "activate", "lecker")
    call_command("apikey", "create", "lecker", "shop")
    out = capsys.readouterr().out
    assert "created account lecker (pending)" in out and "lecker: active" in out
    plain = out.strip().splitlines()[-1]
    found = account_for_api_key(plain)
    assert found is not None and found[0].slug == "lecker"


def test_the_cli_suspends_with_a_reason_the_account_sees(db, capsys) -> None:
    """ACCOUNT-1: the reason is kept; lifting the suspension clears it."""
    call_command("account", "create", "Baeckerei Lecker", "--slug", "lecker")
    call_command("account", "activate", "lecker")
    call_command("account", "suspend", "lecker", "--reason", "spam-trap hits in list 3")
    assert "lecker: suspended" in capsys.readouterr().out
    account = Account.objects.get(slug="lecker")
    assert account.review_note == "spam-trap hits in list 3"
    call_command("account", "activate", "lecker")
    account.refresh_from_db()
    assert (account.review_state, account.review_note) == ("active", "")


def test_the_cli_adds_a_new_member_with_a_login_address(world: Any, capsys: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command(
        "account", "member", "alice-shop", "anna", "--email", "Anna@Beispiel.DE", "--role", "owner"
    )
    out = capsys.readouterr().out
    assert "user anna created, password (shown once): " in out
    anna = get_user_model().objects.get(username="anna")
    assert anna.email == "Anna@beispiel.de" and anna.has_usable_password()
    assert world.alice_account.memberships.get(user=anna).role == "owner"
    # An existing user is added as they are: the address given is not theirs to change.
    call_command("account", "member", "charlie-co", "anna", "--email", "other@example.org")
    anna.refresh_from_db()
    assert anna.email == "Anna@beispiel.de"
