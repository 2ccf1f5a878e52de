"""The one rule for answering htmx: a partial for its swaps, the full page otherwise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    # A history restore after a cache miss needs the whole page, though htmx sends it.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, partial if wants_partial(request) else page, context, status=status)
    # The same URL answers two ways: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
