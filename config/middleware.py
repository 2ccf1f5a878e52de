"""Request bodies bounded before anything reads them.

A request whose Content-Length is over its limit is answered 413 at once: Django never
opens its body, so no temporary file is written and no worker waits for the upload. An
import's upload may be as large as CONSENTRY_IMPORT_MAX_MB; everything else (forms, API
JSON, webhooks) as CONSENTRY_MAX_REQUEST_KB. Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds the
non-file part of the same bodies again as they are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from api.errors import error_body

# The two doors that take an import's file: the API and the account's imports page.
IMPORT_UPLOADS = re.compile(r"^/(api/v1/imports|a/[-\w]+/imports/)$")


def body_limit(path: str) -> int:
    return settings.IMPORT_MAX_BYTES if IMPORT_UPLOADS.match(path) else settings.MAX_REQUEST_BYTES


def declared_length(request: HttpRequest) -> int | None:
    """The Content-Length the client declared; None when absent, -1 when not a number."""
    raw = request.META.get("CONTENT_LENGTH", "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return -1


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    megabytes = f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
    if request.path.startswith("/api/"):
        body = error_body(
            "too_large", f"the request body is larger than {limit} bytes", [f"limit: {limit}"]
        )
        response: HttpResponse = JsonResponse(body, status=413)
    else:
        # Ahead of LocaleMiddleware: the request's language is chosen here.
        with translation.override(translation.get_language_from_request(request)):
            message = _("The request is too large: at most %(size)s MB.") % {"size": megabytes}
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    # The body is never read: the connection cannot carry another request after it.
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if length is not None:
            limit = body_limit(request.path)
            if length < 0 or length > limit:
                return too_large(request, limit)
        return self.get_response(request)
