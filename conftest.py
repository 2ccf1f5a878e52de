"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from core.testing import world  # noqa: F401

# CI replays the same examples every run, so a submission's result does not depend on luck;
# on developer machines hypothesis keeps exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Personas are made for every test; a deliberately slow hash would dominate the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
