"""Platform-level endpoints that belong to no domain app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: the web process answers (no database touched)."""
    return HttpResponse("ok\n", content_type="text/plain")
