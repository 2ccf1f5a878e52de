"""Fixtures shared by every app's tests."""

from core.testing import world  # noqa: F401
