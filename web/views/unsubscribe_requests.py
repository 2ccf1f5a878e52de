"""Unsubscribe requests received by phone, letter, mail or reply (UNSUB-2, UNSUB-3).

Any user of the account enters them (they take effect at once) and handles the open ones
surfaced from replies; the page sorts open requests by deadline and marks overdue ones.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors, services
from contacts.models import RequestChannel, RequestState, UnsubscribeRequest
from contacts.rules import MAX_KEPT_MAIL_BYTES, request_urgency
from core.actors import Actor
from core.errors import DomainError, NotFound
from web.access import get_account_for_user
from web.errors import add_domain_error, raise_for_http

# What a user types in: a reply is surfaced by the inbound listener, not entered.
ENTERED_CHANNELS = [c for c in RequestChannel.choices if c[0] != RequestChannel.REPLY]


class UnsubscribeRequestForm(forms.Form):
    address = forms.CharField(label=gettext_lazy("Email address"), max_length=254)
    channel = forms.ChoiceField(label=gettext_lazy("Received by"), choices=ENTERED_CHANNELS)
    received_on = forms.DateField(
        label=gettext_lazy("Date received"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The deadline runs 3 working days from this day."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea
    )
    mail = forms.FileField(
        label=gettext_lazy("The person's email (.eml)"),
        required=False,
        help_text=gettext_lazy(
            "When the request came by email: the message saved from your mail program, at "
            "most 256 KB. It is kept as the evidence of this unsubscribe."
        ),
    )

    def clean_mail(self) -> bytes | None:
        upload = self.cleaned_data.get("mail")
        if upload is None:
            return None
        if upload.size > MAX_KEPT_MAIL_BYTES:
            raise forms.ValidationError(
                _("The email is larger than 256 KB: save it without its attachments.")
            )
        data: bytes = upload.read()
        return data


def get_request_for_user(request: HttpRequest, slug: str, request_id: int) -> UnsubscribeRequest:
    account = get_account_for_user(request, slug)
    try:
        return selectors.unsubscribe_request_of(account, request_id)
    except NotFound:
        raise Http404("no such unsubscribe request") from None


@require_http_methods(["GET", "POST"])
@login_required
def unsubscribe_requests(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    initial = {"received_on": timezone.localdate()}
    form = UnsubscribeRequestForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
    )
    if form.is_valid():
        try:
            entered = services.enter_unsubscribe_request(
                account,
                form.cleaned_data["address"],
                channel=form.cleaned_data["channel"],
                received_on=form.cleaned_data["received_on"],
                note=form.cleaned_data["note"],
                actor=Actor.for_user(request.user, request),
                mail=form.cleaned_data["mail"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, "address")
        else:
            messages.success(
                request,
                _("%(address)s is unsubscribed from every list of the account.")
                % {"address": entered.address},
            )
            return redirect("web:unsubscribe_requests", account.slug)
    today = timezone.localdate()
    open_requests = [
        (r, request_urgency(r.due_on, today, open_=True))
        for r in selectors.unsubscribe_requests_of(account, state=RequestState.OPEN)
    ]
    closed = selectors.unsubscribe_requests_of(account).exclude(state=RequestState.OPEN)[:50]
    context = {
        "account": account,
        "section": "unsubscribe_requests",
        "open_requests": open_requests,
        "overdue": sum(1 for _, urgency in open_requests if urgency == "overdue"),
        "closed_requests": closed,
        "form": form,
    }
    return render(
        request,
        "web/unsubscribe_requests/list.html",
        context,
        status=400 if form.is_bound else 200,
    )


@require_POST
@login_required
def unsubscribe_request_action(
    request: HttpRequest, slug: str, request_id: int, action: str
) -> HttpResponse:
    """Confirm (the person leaves every list) or dismiss an open request."""
    if action not in ("complete", "dismiss"):
        raise Http404("no such action")
    item = get_request_for_user(request, slug, request_id)
    actor = Actor.for_user(request.user, request)
    try:
        if action == "complete":
            services.complete_unsubscribe_request(item, actor=actor)
            messages.success(
                request, _("Done: %(address)s is unsubscribed.") % {"address": item.address}
            )
        else:
            services.dismiss_unsubscribe_request(
                item, actor=actor, note=request.POST.get("note", "")
            )
            messages.info(request, _("Request dismissed."))
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    return redirect("web:unsubscribe_requests", slug)
