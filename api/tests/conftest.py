"""Clients holding alice's and charlie's API keys, created through the accounts service."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Account, ApiKey
from accounts.services import create_api_key
from contacts.testing import Personas
from domains.tests.conftest import platform  # noqa: F401 (the loopback DNS of `verified`)
from imports.tests.conftest import verified  # noqa: F401 (alice may import)

BASE = "/api/v1"


@dataclass
class KeyClient:
    key: ApiKey
    plain: str
    client: Client


def key_client(account: Account, name: str) -> KeyClient:
    key, plain = create_api_key(account, name)
    client = Client(headers={"Authorization": f"Bearer {plain}", "User-Agent": "consentry-tests/1"})
    return KeyClient(key, plain, client)


@pytest.fixture
def alice_api(world: Personas) -> KeyClient:
    return key_client(world.alice_account, "alice's integration")


@pytest.fixture
def charlie_api(world: Personas) -> KeyClient:
    return key_client(world.charlie_account, "charlie's integration")
