"""Tenant isolation at the service and selector level (PRIVACY-2, DESIGN invariant 6)."""

from __future__ import annotations

import pytest

from accounts.selectors import account_for_user, accounts_for_user, role_in
from consent.proof import build_bundle
from contacts import selectors
from core.errors import NotFound


def test_charlie_sees_only_his_own_account(world) -> None:
    assert list(accounts_for_user(world.charlie)) == [world.charlie_account]
    with pytest.raises(NotFound):
        account_for_user(world.charlie, "alice-shop")
    assert role_in(world.charlie, world.alice_account) is None


def test_bob_works_in_alices_account_as_a_member(world) -> None:
    assert account_for_user(world.bob, "alice-shop") == world.alice_account
    assert role_in(world.bob, world.alice_account) == "member"
    assert role_in(world.alice, world.alice_account) == "owner"


def test_operators_reach_every_account(world) -> None:
    assert set(accounts_for_user(world.operator)) == {world.alice_account, world.charlie_account}
    assert role_in(world.operator, world.alice_account) == "operator"


def test_charlie_never_reaches_alices_contacts_or_lists(world) -> None:
    charlie = world.charlie_account
    with pytest.raises(NotFound):
        selectors.contact_of(charlie, world.alice_contact.pk)
    with pytest.raises(NotFound):
        selectors.list_of(charlie, world.alice_list.pk)
    assert world.alice_contact not in selectors.contacts_of(charlie)
    assert selectors.contacts_of(charlie, search="kunde").count() == 0
    assert selectors.contact_by_address(charlie, "kunde@example.de") is None
    with pytest.raises(NotFound):
        build_bundle(charlie, "kunde@example.de")
