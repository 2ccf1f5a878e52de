"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from carrier.testing import (  # noqa: F401
    sandbox_outbox,
    smtp_server,
    smtp_server_factory,
    smtp_tls_files,
    smtps_server,
)
from contacts.testing import world  # noqa: F401
from core.browser import page  # noqa: F401
from delivery.testing import sendable  # noqa: F401
from domains.testing import _no_outside_dns, dns_server  # noqa: F401
from feedback.testing import inbound, mail_server  # noqa: F401
from governance.report_testing import reported  # noqa: F401
from governance.testing import sent  # noqa: F401

# CI replays the same examples every run, so a submission's result does not depend on luck;
# on developer machines hypothesis keeps exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def _journal_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("journal")


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, _journal_dir: Any) -> None:
    # The sends' hand-over journals of this run, apart from any other run's (delivery.journal).
    settings.JOURNAL_DIR = _journal_dir
    # Personas are made for every test; a deliberately slow hash would dominate the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run where they are enqueued, so a test sees their effect without a worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Domain checks ask the test's own DNS server; the sandbox DNS is turned on where tested.
    settings.DNS_SANDBOX = False
    # Opens and clicks are stored in the request, so a test sees them at once
    # (tracking/tests/test_recorder.py runs the buffered writer).
    settings.TRACKING_FLUSH_MS = 0
    # Policy values cached by hot paths belong to the test that read them.
    from policy.selectors import forget_cached

    forget_cached()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A page asked for in German leaves German active in the thread (the locale middleware
    activates, nothing deactivates): the next test starts in the platform's default again."""
    from django.utils import translation

    yield
    translation.activate("en")
