"""Subscriber pages: the hosted signup form and the confirmation (FORM-1..4).

Plain HTML that works without JavaScript, in the list's language (or the browser's).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.rules import may_send
from consent import doi, tracking
from consent.models import Confirmation, SignupForm
from core.actors import Actor
from core.errors import InvalidInput, NotFound
from core.http import client_ip

HONEYPOT = "website"


def _public_actor(request: HttpRequest, ref: str) -> Actor:
    return Actor("public", ref, client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:500])


def _form_or_404(public_id: str) -> SignupForm:
    try:
        return doi.form_by_public_id(public_id)
    except NotFound:
        raise Http404("no such form") from None


def _render(
    request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200
) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Content-Language"] = language
    return response


# The form is embeddable on the account's own site, so its POST cannot carry our CSRF
# token; the honeypot, the rate limits and the double opt-in itself protect it (FORM-3).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, public_id: str) -> HttpResponse:
    form = _form_or_404(public_id)
    language = doi.page_language(form, request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if not may_send(form.account.review_state):
        # ACCOUNT-1: a pending or suspended account's form shows neither its text nor a
        # field, and a POST (the hosted or an embedded copy) stores and sends nothing.
        return _render(
            request, "subscriber/unavailable.html", {"form": form}, language=language, status=403
        )
    context: dict[str, Any] = {
        "form": form,
        "wording": doi.current_wording(form),
        "tracking_wording": tracking.tracking_wording(form),
        "values": {},
        "error": "",
    }
    if request.method == "GET":
        return _render(request, "subscriber/signup.html", context, language=language)
    data = {key: request.POST.get(key, "") for key in request.POST}
    context["values"] = data
    actor = _public_actor(request, f"form:{form.pk}")
    source = (
        request.POST.get("source_url")
        or request.META.get("HTTP_REFERER", "")
        or request.build_absolute_uri()
    )
    if data.get(HONEYPOT):
        doi.submit_signup(form, None, actor=actor, source=source, honeypot=True, language=language)
        return redirect("subscriber:signup_thanks", public_id=form.public_id)
    with translation.override(language):
        try:
            entry = doi.parse_entry(form, data)
        except InvalidInput as exc:
            context["error"] = exc.message
            return _render(
                request, "subscriber/signup.html", context, language=language, status=400
            )
    doi.submit_signup(form, entry, actor=actor, source=source[:300], language=language)
    # The same page whatever happened: nobody learns whether an address is known (FORM-3).
    return redirect("subscriber:signup_thanks", public_id=form.public_id)


@require_GET
def signup_thanks(request: HttpRequest, public_id: str) -> HttpResponse:
    form = _form_or_404(public_id)
    language = doi.page_language(form, request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    return _render(request, "subscriber/thanks.html", {"form": form}, language=language)


# The token in the URL is the capability; a link scanner's GET only ever sees the button.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirmation = doi.confirmation_for_token(token)
    except doi.TokenExpired:
        return _render(
            request,
            "subscriber/confirm_error.html",
            {"expired": True},
            language=_language_hint(request),
            status=410,
        )
    except doi.TokenInvalid:
        return _render(
            request,
            "subscriber/confirm_error.html",
            {"expired": False},
            language=_language_hint(request),
            status=404,
        )
    language = confirmation.language
    lst = confirmation.subscription.list if confirmation.subscription else confirmation.form.list  # type: ignore[union-attr]
    context = {"confirmation": confirmation, "list": lst}
    if request.method == "GET":
        done = confirmation.state == Confirmation.State.CONFIRMED
        return _render(
            request,
            "subscriber/confirmed.html" if done else "subscriber/confirm.html",
            context,
            language=language,
        )
    doi.confirm(token, actor=_public_actor(request, f"confirmation:{confirmation.pk}"))
    return _render(request, "subscriber/confirmed.html", context, language=language)


def _language_hint(request: HttpRequest) -> str:
    return doi.browser_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""), "de")
