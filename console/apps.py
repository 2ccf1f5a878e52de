from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The operator's console: pages under /console/ for staff users only (issue 21)."""

    name = "console"
