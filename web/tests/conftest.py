"""Fixtures of other apps' tests that the account pages need too."""

from __future__ import annotations

from domains.tests.conftest import platform  # noqa: F401 (the loopback DNS of `verified`)
from imports.tests.conftest import verified  # noqa: F401 (alice's account may import)
