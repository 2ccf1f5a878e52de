"""Fixtures shared by every app's tests."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing import world  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Personas are made for every test; a deliberately slow hash would dominate the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
