"""Platform-level endpoints that belong to no domain app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET

from api.errors import error_body


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: the web process answers (no database touched)."""
    return HttpResponse("ok\n", content_type="text/plain")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refuses before any view (a malformed Host header, say): the API's
    clients get the API's JSON error body, everyone else Django's page."""
    if request.path.startswith("/api/"):
        body = error_body("bad_request", "the request is malformed (check the Host header)")
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)
