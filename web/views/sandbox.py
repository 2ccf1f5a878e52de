"""The sandbox mailbox: what the sandbox transport captured instead of sending.

Account users see their account's messages at /a/<slug>/sandbox/, operators every message
at /sandbox/. A message's HTML is shown only inside a sandboxed frame or under a strict
Content-Security-Policy: it is untrusted content, and it must not run in our origin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carrier import selectors
from carrier.models import CapturedMessage
from carrier.parsing import ParsedMessage, parse_message
from carrier.transports import sandbox_active
from core.errors import NotFound
from web.access import get_account_for_user

PAGE_SIZE = 50
# http(s) URLs in a text part; what ends a sentence is not part of the link.
URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"
# For the HTML part served on its own URL: no script, no plugin, no form, no same origin.
HTML_PART_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:; "
    "font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"
)
# Put in front of the HTML shown in the iframe: links open a new tab (the frame itself may
# not navigate to our pages), and scripts are refused twice, by the frame and by this policy.
FRAME_PREAMBLE = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data: https: http:; font-src data:\">"
    '<base target="_blank">'
)
# A frame's srcdoc document inherits the policy of the page around it: a page that shows a
# mail in a frame allows the mail's inline styles and remote images (the frame's own
# policy above still refuses every script).
_FRAME_POLICY = {
    "style-src": ["'unsafe-inline'"],
    "style-src-elem": ["'unsafe-inline'"],
    "img-src": ["https:", "http:"],
}
_View = TypeVar("_View", bound=Callable[..., HttpResponse])


def frames_mail(view: _View) -> _View:
    """The page shows a mail in a frame: its policy allows what the mail may use."""
    return cast("_View", csp_update(_FRAME_POLICY)(view))


HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def _trim(url: str) -> str:
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # (a balanced one belongs to the URL, as in wiki/Foo_(bar))
        url = url[:-1]
    return url


def linkify(text: str) -> SafeString:
    """The text escaped, with each http(s) URL a link (its text and href escaped too)."""
    pieces: list[str] = []
    position = 0
    for found in URL.finditer(text):
        url = _trim(found.group(0))
        pieces.append(escape(text[position : found.start()]))
        pieces.append(format_html('<a href="{}" rel="noreferrer">{}</a>', url, url))
        position = found.start() + len(url)
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def framed(html: str) -> str:
    """The HTML part as the iframe's srcdoc, with the preamble inside its head."""
    head = HEAD.search(html)
    if head is None:
        return FRAME_PREAMBLE + html
    return html[: head.end()] + FRAME_PREAMBLE + html[head.end() :]


@dataclass(frozen=True)
class Links:
    """Where this message's pages live: under the account, or in the operators' mailbox."""

    mailbox: str
    html: str
    raw: str


def _links(captured: CapturedMessage, slug: str | None) -> Links:
    if slug is None:
        return Links(
            reverse("web:sandbox_all"),
            reverse("web:sandbox_all_message_html", args=[captured.pk]),
            reverse("web:sandbox_all_message_raw", args=[captured.pk]),
        )
    return Links(
        reverse("web:sandbox", args=[slug]),
        reverse("web:sandbox_message_html", args=[slug, captured.pk]),
        reverse("web:sandbox_message_raw", args=[slug, captured.pk]),
    )


def _require_operator(request: HttpRequest) -> None:
    # Like another account's data: the page does not exist for anyone else.
    if not request.user.is_staff:
        raise Http404("no such page")


def _message_for(request: HttpRequest, slug: str | None, message_id: int) -> CapturedMessage:
    try:
        if slug is None:
            _require_operator(request)
            return selectors.captured_message(message_id)
        account = get_account_for_user(request, slug)
        return selectors.captured_message_of(account, message_id)
    except NotFound:
        raise Http404("no such captured message") from None


def _parsed(captured: CapturedMessage) -> ParsedMessage:
    return parse_message(bytes(captured.raw))


# -- the listings ---------------------------------------------------------------------------


@require_GET
@login_required
def sandbox(request: HttpRequest, slug: str) -> HttpResponse:
    """The account's captured messages, newest first."""
    account = get_account_for_user(request, slug)
    page = Paginator(selectors.captured_messages_of(account), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"account": account, "section": "sandbox", "page": page}
    return render(request, "web/sandbox/list.html", context)


@require_GET
@login_required
def sandbox_all(request: HttpRequest) -> HttpResponse:
    """Operators: every account's captured messages, and those of no account."""
    _require_operator(request)
    page = Paginator(selectors.all_captured_messages(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/sandbox/list.html", {"account": None, "page": page})


# -- one message ------------------------------------------------------------------------------


@frames_mail
def _detail(request: HttpRequest, slug: str | None, message_id: int) -> HttpResponse:
    captured = _message_for(request, slug, message_id)
    parsed = _parsed(captured)
    context = {
        "account": getattr(request, "account", None),
        "section": "sandbox",
        "message": captured,
        "parsed": parsed,
        "text": linkify(parsed.text) if parsed.text is not None else None,
        "srcdoc": framed(parsed.html) if parsed.html is not None else None,
        "source": bytes(captured.raw).decode("utf-8", "replace"),
        "links": _links(captured, slug),
        "simulate_kinds": [
            ("hard_bounce", _("Hard bounce")),
            ("soft_bounce", _("Soft bounce")),
            ("complaint", _("Complaint")),
        ],
    }
    return render(request, "web/sandbox/detail.html", context)


def _html_part(request: HttpRequest, slug: str | None, message_id: int) -> HttpResponse:
    parsed = _parsed(_message_for(request, slug, message_id))
    if parsed.html is None:
        raise Http404("the message has no HTML part")
    response = HttpResponse(parsed.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = HTML_PART_CSP
    response["Referrer-Policy"] = "no-referrer"
    return response


def _raw(request: HttpRequest, slug: str | None, message_id: int) -> HttpResponse:
    """The message exactly as captured, as a file a mail program opens."""
    captured = _message_for(request, slug, message_id)
    response = HttpResponse(bytes(captured.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="message-{captured.pk}.eml"'
    return response


@require_GET
@login_required
def sandbox_message(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    return _detail(request, slug, message_id)


@require_GET
@login_required
def sandbox_message_html(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    return _html_part(request, slug, message_id)


@require_GET
@login_required
def sandbox_message_raw(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    return _raw(request, slug, message_id)


@require_GET
@login_required
def sandbox_all_message(request: HttpRequest, message_id: int) -> HttpResponse:
    return _detail(request, None, message_id)


@require_GET
@login_required
def sandbox_all_message_html(request: HttpRequest, message_id: int) -> HttpResponse:
    return _html_part(request, None, message_id)


@require_GET
@login_required
def sandbox_all_message_raw(request: HttpRequest, message_id: int) -> HttpResponse:
    return _raw(request, None, message_id)


@require_POST
@login_required
def sandbox_simulate(request: HttpRequest, slug: str, message_id: int, kind: str) -> HttpResponse:
    """Bounce or complain about a captured campaign message, through the real inbound path,
    so a person trying the platform sees the whole feedback loop (BOUNCE-1, COMPLAINT-1)."""
    from feedback.simulate import KINDS, simulate

    captured = _message_for(request, slug, message_id)
    if kind not in KINDS or captured.kind != "campaign" or not sandbox_active():
        raise Http404("nothing to simulate here")
    inbound = simulate(captured, kind)
    level = messages.SUCCESS if inbound.state == "processed" else messages.WARNING
    messages.add_message(request, level, inbound.reason)
    return redirect("web:sandbox_message", slug, message_id)
