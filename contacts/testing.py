"""The shared test base: three personas, arranged through the services like real data.

alice owns the account "alice-shop", bob is her teammate there, charlie owns "charlie-co".
Every view and API test checks that charlie never reaches alice's data (PRIVACY-2).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts import services as accounts
from accounts.models import Account, ReviewState
from contacts import services as contacts
from contacts.models import Contact, List
from contacts.rules import Cause, LegalBasis, Status
from core.actors import Actor

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("tests")


class Personas:
    """Attribute access to the arranged world: `world.alice`, `world.alice_account`, ..."""

    def __init__(self) -> None:
        self.alice = accounts.create_user("alice", PASSWORD, email="alice@example.org")
        self.bob = accounts.create_user("bob", PASSWORD, email="bob@example.org")
        self.charlie = accounts.create_user("charlie", PASSWORD, email="charlie@example.net")
        self.operator = accounts.create_user("olga", PASSWORD, email="olga@example.com", staff=True)
        self.alice_account = accounts.create_account(
            "Alice Shop", slug="alice-shop", owner=self.alice
        )
        accounts.add_member(self.alice_account, self.bob)
        self.charlie_account = accounts.create_account(
            "Charlie Co", slug="charlie-co", owner=self.charlie
        )
        for account in (self.alice_account, self.charlie_account):
            accounts.change_review_state(account, ReviewState.ACTIVE)
        self.alice_account.refresh_from_db()
        self.charlie_account.refresh_from_db()
        self.alice_list = contacts.create_list(self.alice_account, "Newsletter", actor=SYSTEM)
        self.charlie_list = contacts.create_list(self.charlie_account, "News", actor=SYSTEM)
        self.alice_contact = self.add_contact(
            self.alice_account, "kunde@example.de", self.alice_list
        )
        self.charlie_contact = self.add_contact(
            self.charlie_account, "client@example.fr", self.charlie_list
        )

    def add_contact(
        self, account: Account, address: str, lst: List | None = None, **kwargs: Any
    ) -> Contact:
        kwargs.setdefault("legal_basis", LegalBasis.DOUBLE_OPT_IN)
        kwargs.setdefault("cause", Cause.USER)
        kwargs.setdefault("status", Status.ACTIVE)
        contact = contacts.create_contact(account, address, actor=SYSTEM, **kwargs)
        if lst is not None:
            from contacts.models import SubscriptionState

            contacts.set_subscription(contact, lst, SubscriptionState.CONFIRMED, actor=SYSTEM)
        return contact

    def client_for(self, user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def world(db: Any) -> Personas:
    return Personas()
