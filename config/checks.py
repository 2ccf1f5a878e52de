"""System checks that catch a misconfigured deployment at start (`consentry check`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register()
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    parts = urlsplit(settings.BASE_URL)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(
            Error("CONSENTRY_BASE_URL must be an absolute http(s) URL.", id="consentry.E001")
        )
        return problems
    if parts.path not in ("", "/"):
        problems.append(Error("CONSENTRY_BASE_URL must not have a path.", id="consentry.E002"))
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        problems.append(
            Warning(
                "CONSENTRY_BASE_URL uses plain http on a public host: links in mail and "
                "one-click unsubscribe should be https.",
                id="consentry.W001",
            )
        )
    return problems


@register()
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    host = urlsplit(settings.BASE_URL).hostname or ""
    allowed = settings.ALLOWED_HOSTS
    if "*" in allowed:
        return [Error("CONSENTRY_ALLOWED_HOSTS must not contain '*'.", id="consentry.E003")]
    if host and not any(h == host or (h.startswith(".") and host.endswith(h)) for h in allowed):
        return [
            Error(
                f"The host of CONSENTRY_BASE_URL ({host}) is not in CONSENTRY_ALLOWED_HOSTS.",
                id="consentry.E004",
            )
        ]
    return []
