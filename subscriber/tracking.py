"""The open pixel and the click redirect of tracked messages (CONSENT-4).

Both answer mail clients, proxies and scanners; none of them holds a cookie or a session.
A token we did not make is a 404 whether or not a row exists; a click token made for
another URL is a 404 too, so the redirect cannot be pointed anywhere else.
"""

from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from core.errors import NotFound
from core.http import client_ip
from tracking import services

# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


@require_http_methods(["GET", "HEAD"])
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.record_open(
            token, user_agent=_agent(request), ip=client_ip(request), method=request.method or "GET"
        )
    except NotFound:
        return HttpResponseNotFound()
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    try:
        url = services.record_click(
            token,
            request.GET.get("u", ""),
            user_agent=_agent(request),
            ip=client_ip(request),
            method=request.method or "GET",
        )
    except NotFound:
        return HttpResponseNotFound()
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
