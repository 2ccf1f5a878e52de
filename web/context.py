from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def current_account(request: HttpRequest) -> dict[str, Any]:
    return {"current_account": getattr(request, "account", None)}
