"""Platform-level endpoints that belong to no domain app."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
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


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """django-axes' answer once sign-in is refused for too many failures: the login page
    with the reason (429), or the API's JSON error body."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        body = error_body(
            "throttled",
            f"too many failed sign-ins: try again in {minutes} minutes "
            "or ask an operator to unlock the account",
        )
        return JsonResponse(body, status=429)
    message = ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minute, "
        "or ask an operator to unlock your account.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes, "
        "or ask an operator to unlock your account.",
        minutes,
    ) % {"minutes": minutes}
    template = "admin/login.html" if request.path.startswith("/admin/") else "web/login.html"
    form = AuthenticationForm(request)  # unbound: its errors are ours alone
    form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
    context: dict[str, object] = {"form": form, "next": ""}
    if template.startswith("admin/"):
        context.update(admin.site.each_context(request))
    return render(request, template, context, status=429)
