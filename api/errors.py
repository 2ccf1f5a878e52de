"""The one place where domain errors become HTTP responses.

Every error body has the same shape: `{"error": code, "message": text, "details": [text]}`.

- NotFound → 404. A selector scoped to the caller's account raises it for another account's
  ids as well, so an id never reveals that it exists elsewhere (PRIVACY-2).
- PermissionDenied → 403.
- InvalidInput → 422, like ninja's own schema validation: the request itself is wrong.
- Conflict → 409: the request clashes with stored data (a duplicate address or list name).
- RuleViolation → 409 as well: the request is well-formed but the policy refuses it *given
  the current state* (e.g. STATUS-2: a `U` contact cannot be made `A`); the same request
  may succeed on another contact. The code `refused` tells it apart from `conflict`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)

if TYPE_CHECKING:
    from ninja import NinjaAPI

STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    InvalidInput: 422,
    Conflict: 409,
    RuleViolation: 409,
}

HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 429: "throttled"}


def status_for(exc: DomainError) -> int:
    # Walk the class hierarchy so a subclass (e.g. core.addresses.InvalidAddress) inherits
    # its parent's status while keeping its own, more precise code.
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def error_body(code: str, message: str, details: list[str] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "details": details or []}


def _describe(error: dict[str, Any]) -> str:
    # ninja's loc is (source, [param name,] field, ...): keep the field path the client sent.
    loc = [str(part) for part in error.get("loc", ())]
    if len(loc) > 2 and loc[0] == "body":
        loc = loc[2:]
    elif loc and loc[0] in ("query", "path", "header", "body", "form", "cookie"):
        loc = loc[1:]
    where = ".".join(loc)
    message = str(error.get("msg", "invalid value"))
    return f"{where}: {message}" if where else message


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API; called once where the API is built."""

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(
            request, error_body(exc.code, exc.message, exc.details), status=status_for(exc)
        )

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "invalid",
                "the request does not match the schema",
                [_describe(error) for error in exc.errors],
            ),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            error_body("unauthorized", "a valid API key is needed: Authorization: Bearer <key>"),
            status=401,
        )
        # RFC 6750 §3: a 401 names the scheme the client should use.
        response["WWW-Authenticate"] = 'Bearer realm="consentry"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises these itself, e.g. 400 for a body that is not JSON.
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    @api.exception_handler(Http404)
    def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", "not found"), status=404)
