"""Unsubscribing from a campaign mail: RFC 8058 one-click, the page behind the link, the
preference centre (INDUSTRY-2, UNSUB-1, FORM-4).

The token in the URL is the capability: no login, no cookie, no CSRF token (a one-click
POST comes from the mailbox provider, not from a browser holding our cookie). A GET never
changes anything, so a link scanner that follows the link only ever sees the button.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent import doi
from contacts import services as contacts
from contacts.models import Contact, List, SubscriptionState
from contacts.rules import Status, TrackingBasis
from contacts.tracking import set_tracking_consent
from core import ratelimit
from core.actors import Actor
from core.errors import DomainError, NotFound
from core.http import client_ip
from delivery import links
from delivery.models import SendLedgerEntry
from governance import subject_access
from policy.selectors import cached_value
from subscriber import wording

# A valid link is idempotent; this only keeps one token from hammering the database.
POSTS_PER_TOKEN_PER_MINUTE = 20


def _ip_limit() -> int:
    """The policy's per-IP limit (cached: the endpoint must stay fast)."""
    return int(cached_value("unsub.rate_limit_per_ip_per_minute"))


def _actor(request: HttpRequest, entry: SendLedgerEntry) -> Actor:
    return Actor(
        "public",
        f"ledger:{entry.pk}",
        client_ip(request),
        request.META.get("HTTP_USER_AGENT", "")[:500],
    )


def _language(entry: SendLedgerEntry | None, request: HttpRequest) -> str:
    if entry is not None and entry.campaign.language in ("de", "en", "fr"):
        return entry.campaign.language
    return doi.browser_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""), "de")


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    entry: SendLedgerEntry | None,
    status: int = 200,
) -> HttpResponse:
    language = _language(entry, request)
    with translation.override(language):
        response = render(
            request, f"subscriber/{template}", {**context, "language": language}, status=status
        )
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked sites
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    response = _page(request, "unsubscribe_busy.html", {}, entry=None, status=429)
    response["Retry-After"] = "60"
    return response


def _resolve(request: HttpRequest, token: str) -> SendLedgerEntry | HttpResponse:
    """The ledger row, or the one answer for every bad link (nothing says whether an
    address exists). Bad links count against the client's address: guessing is slow."""
    try:
        return links.entry_for_unsubscribe_token(token)
    except NotFound:
        return _bad_link(request)


def _bad_link(request: HttpRequest) -> HttpResponse:
    if not ratelimit.allow("unsub-bad", client_ip(request), limit=_ip_limit()):
        return _too_many(request)
    return _page(request, "unsubscribe_invalid.html", {}, entry=None, status=404)


def _is_one_click(request: HttpRequest) -> bool:
    """RFC 8058 §3.2: the body `List-Unsubscribe=One-Click`, urlencoded or multipart."""
    return request.POST.get("List-Unsubscribe") == "One-Click"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button. POST: unsubscribed at once, answered 200, no redirect.

    A GET changes nothing about the person; it may publish the next version of the page's
    wording, which is the platform's own text."""
    if request.method == "POST" and _is_one_click(request):
        return _one_click(request, token)
    if request.method == "GET" and not ratelimit.allow(
        "unsub-page", client_ip(request), limit=_ip_limit()
    ):
        return _too_many(request)
    found = _resolve(request, token)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    account, language = entry.campaign.account, _language(entry, request)
    lists = links.campaign_lists(entry.campaign)
    context = {"entry": entry, "account": account, "lists": lists, "token": token}
    if request.method == "GET":
        done = entry.contact.status in (Status.UNSUBSCRIBED, Status.DELETED)
        # CONSENT-6: the page shows a versioned wording and names it in its form.
        shown = wording.page_wording(account, language)
        context.update(done=done, wording=shown.wording, page=shown.page)
        return _page(request, "unsubscribe.html", context, entry=entry)
    if not ratelimit.allow("unsub-token", token, limit=POSTS_PER_TOKEN_PER_MINUTE):
        return _too_many(request)
    everywhere = request.POST.get("everywhere") == "1"
    cited = wording.cited_wording(account, language, request.POST.get("wording", "")[:20])
    links.unsubscribe_through_link(
        entry,
        actor=_actor(request, entry),
        method="page",
        everywhere=everywhere,
        wording=cited.wording,
    )
    context.update(everywhere=everywhere, done=cited.done)
    return _page(request, "unsubscribed.html", context, entry=entry)


ONE_CLICK_DONE = (
    b"<!doctype html><html><head><meta charset=utf-8><title>Unsubscribed</title></head>"
    b"<body><p>Unsubscribed.</p></body></html>"
)


def _one_click(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: answered at once, 200, no redirect; the unsubscribe is stored before the
    answer and keeps the contact out of every later hand-over (invariant 5)."""
    if not ratelimit.allow("unsub-token", token, limit=POSTS_PER_TOKEN_PER_MINUTE):
        return _too_many(request)
    try:
        links.receive_one_click(
            token,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        )
    except NotFound:
        return _bad_link(request)
    response = HttpResponse(ONE_CLICK_DONE, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _preferences_context(entry: SendLedgerEntry, token: str) -> dict[str, Any]:
    contact = entry.contact
    contact.refresh_from_db()
    subscriptions = links.subscriptions_of(contact)
    known = {s.list_id for s in subscriptions}
    # The campaign's lists are offered even where no subscription row exists any more.
    offered = [s.list for s in subscriptions] + [
        lst for lst in links.campaign_lists(entry.campaign) if lst.pk not in known
    ]
    states = {s.list_id: s.state for s in subscriptions}
    return {
        "entry": entry,
        "token": token,
        "account": entry.campaign.account,
        "contact": contact,
        "erased": contact.status == Status.DELETED,
        "rows": [(lst, states.get(lst.pk, "")) for lst in sorted(offered, key=lambda x: x.name)],
        "fields": sorted(contact.fields.items()),
        "receiving": contact.status == Status.ACTIVE
        and any(s.state == SubscriptionState.CONFIRMED for s in subscriptions),
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """UNSUB-1: choose lists; re-joining one takes a fresh double opt-in confirmation."""
    if not ratelimit.allow("unsub-page", client_ip(request), limit=_ip_limit()):
        return _too_many(request)
    found = _resolve(request, token)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    context = _preferences_context(entry, token)
    if request.method == "GET" or context["erased"]:
        return _page(request, "preferences.html", context, entry=entry)
    actor = _actor(request, entry)
    wanted = {int(v) for v in request.POST.getlist("list") if v.isdigit()}
    leave, rejoin = [], []
    for lst, state in context["rows"]:
        if state == SubscriptionState.CONFIRMED and lst.pk not in wanted:
            leave.append(lst)
        elif state != SubscriptionState.CONFIRMED and lst.pk in wanted:
            rejoin.append(lst)
    notices = []
    with translation.override(_language(entry, request)):
        if request.POST.get("everywhere") == "1":
            contacts.unsubscribe(entry.contact, actor=actor, method="preferences")
            notices.append(_("You left every list. You will receive no more mail from us."))
        elif leave:
            contacts.unsubscribe(entry.contact, actor=actor, method="preferences", lists=leave)
            notices.append(_("Your choice is saved."))
        for lst in rejoin:
            if _rejoin(entry, lst, actor):
                notices.append(
                    _("We sent you an email: confirm it to receive %(list)s again.")
                    % {"list": lst.name}
                )
        if _switch_tracking(request, entry.contact, actor):
            notices.append(_("Your choice about tracking is saved."))
    context = _preferences_context(entry, token)
    context["notices"] = notices or [_("Nothing changed.")]
    return _page(request, "preferences.html", context, entry=entry)


def tracking_statement() -> str:
    """The preference centre's tracking box, in the active language (kept as evidence)."""
    return _(
        "Count whether I open these emails and which links I click, so that the newsletter "
        "can get better. I can switch this off here at any time."
    )


def _switch_tracking(request: HttpRequest, contact: Contact, actor: Actor) -> bool:
    """CONSENT-4: the person switches tracking on or off; True if it changed."""
    if request.POST.get("tracking_shown") != "1" or contact.status == Status.DELETED:
        return False
    wanted = request.POST.get("tracking") == "1"
    if wanted == contact.tracking_consent:
        return False
    set_tracking_consent(
        contact,
        wanted,
        actor=actor,
        basis=TrackingBasis.PREFERENCE_CENTRE,
        statement=tracking_statement() if wanted else "",
        ref="preferences",
    )
    return True


def _rejoin(entry: SendLedgerEntry, lst: List, actor: Actor) -> bool:
    """A fresh double opt-in for `lst`: pending until the person confirms (STATUS-2)."""
    contact = entry.contact
    if contact.status == Status.DELETED or not contact.address:
        return False
    try:
        subscription = contacts.set_subscription(
            contact, lst, SubscriptionState.PENDING, actor=actor, ref="preferences"
        )
        doi.request_reconfirmation(
            subscription,
            doi.Entry(
                address=contact.address,
                first_name=contact.first_name,
                last_name=contact.last_name,
                fields=dict(contact.fields),
            ),
            actor=actor,
            source="preference centre",
            ref=f"ledger:{entry.pk}",
        )
    except DomainError:
        return False
    return True


@csrf_exempt
@require_POST
def erase(request: HttpRequest, token: str) -> HttpResponse:
    """PRIVACY-1: the person erases their data (STATUS-4); the proof of consent and of the
    unsubscribe stays, with a keyed hash of the address."""
    if not ratelimit.allow("unsub-page", client_ip(request), limit=_ip_limit()):
        return _too_many(request)
    found = _resolve(request, token)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    if request.POST.get("confirm") != "1":
        context = _preferences_context(entry, token)
        with translation.override(_language(entry, request)):
            context["notices"] = [_("Tick the box to confirm that your data is to be erased.")]
        return _page(request, "preferences.html", context, entry=entry, status=400)
    if entry.contact.status != Status.DELETED:
        contacts.delete_contact(entry.contact, actor=_actor(request, entry), ref="preferences")
    return _page(request, "erased.html", {"account": entry.campaign.account}, entry=entry)


@require_GET
def personal_data(request: HttpRequest, token: str) -> HttpResponse:
    """PRIVACY-1: the person's own copy of everything held about them (Art. 15 GDPR), or
    (?format=json) as a file to take elsewhere (Art. 20)."""
    if not ratelimit.allow("unsub-page", client_ip(request), limit=_ip_limit()):
        return _too_many(request)
    found = _resolve(request, token)
    if isinstance(found, HttpResponse):
        return found
    contact = found.contact
    data = subject_access.personal_data(contact)
    response: HttpResponse
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    else:
        with translation.override(_language(found, request)):
            response = HttpResponse(subject_access.render_html(data))
    # A page about one person: never kept by a shared cache.
    response["Cache-Control"] = "no-store"
    return response
