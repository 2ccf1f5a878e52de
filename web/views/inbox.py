"""The account's side of the abuse desk and its replies inbox (ABUSE-2, ABUSE-3).

Replies: every mail to a campaign's From or Reply-To that is no unsubscribe, bounce or
report, newest first, and the address they are forwarded to. Proof requests: the cases
in which the operator asked the account for its proof of consent, answered with a
statement; the contact's proof bundle goes with it. A suspended account may still answer:
that is how it is reviewed again.
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account
from accounts.selectors import account_for_user, role_in
from core.actors import Actor
from core.errors import DomainError, NotFound
from governance import abuse, replies, selectors
from governance.abuse_rules import proof_is_overdue
from governance.models import AbuseCase, CaseState, Reply
from web.access import MANAGERS, get_account_for_user
from web.errors import add_domain_error

PAGE = 100


class ForwardingForm(forms.Form):
    address = forms.CharField(
        label=gettext_lazy("Forward replies to"),
        required=False,
        max_length=254,
        help_text=gettext_lazy("Leave empty to stop forwarding. Automatic replies stay here."),
    )


class ProofAnswerForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("How the consent was obtained"),
        max_length=20_000,
        widget=forms.Textarea,
    )


def _reply_for_user(request: HttpRequest, slug: str, reply_id: int) -> tuple[Account, Reply]:
    account = get_account_for_user(request, slug)
    try:
        return account, selectors.reply_of(account, reply_id)
    except NotFound:
        raise Http404("no such reply") from None


@require_http_methods(["GET", "POST"])
@login_required
def reply_inbox(request: HttpRequest, slug: str) -> HttpResponse:
    roles = MANAGERS if request.method == "POST" else None
    account = get_account_for_user(request, slug, roles=roles)
    form = ForwardingForm(
        request.POST if request.method == "POST" else None,
        initial={"address": replies.forwarding_of(account)},
    )
    if form.is_valid():
        try:
            replies.set_forwarding(account, form.cleaned_data["address"])
        except DomainError as exc:
            add_domain_error(form, exc, "address")
        else:
            messages.success(request, _("Saved."))
            return redirect("web:replies", account.slug)
    context = {
        "account": account,
        "section": "replies",
        "replies": selectors.replies_of(account)[:PAGE],
        "form": form,
        "may_manage": role_in(request.user, account) in MANAGERS,
    }
    return render(request, "web/inbox/replies.html", context, status=400 if form.is_bound else 200)


@require_GET
@login_required
def reply_detail(request: HttpRequest, slug: str, reply_id: int) -> HttpResponse:
    account, reply = _reply_for_user(request, slug, reply_id)
    return render(
        request,
        "web/inbox/reply.html",
        {"account": account, "section": "replies", "reply": reply},
    )


def _account_answering(request: HttpRequest, slug: str) -> Account:
    """The account (a member's own only); not refused when suspended, see above."""
    try:
        account = account_for_user(request.user, slug)
    except NotFound:
        raise Http404("no such account") from None
    request.account = account  # type: ignore[attr-defined]
    request.account_role = role_in(request.user, account)  # type: ignore[attr-defined]
    return account


def _rows(cases: list[AbuseCase]) -> list[tuple[AbuseCase, bool]]:
    today = timezone.localdate()
    return [
        (c, c.state == CaseState.PROOF_REQUESTED and proof_is_overdue(c.proof_due_on, today))
        for c in cases
    ]


@require_GET
@login_required
def proof_requests(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_proofs(request, _account_answering(request, slug), ProofAnswerForm())


def _render_proofs(
    request: HttpRequest, account: Account, form: ProofAnswerForm, failed: int | None = None
) -> HttpResponse:
    cases = list(selectors.proof_requests_of(account)[:PAGE])
    context = {
        "account": account,
        "section": "proof_requests",
        "rows": _rows(cases),
        "form": form,
        "failed": failed,
    }
    return render(request, "web/inbox/proof_requests.html", context, status=400 if failed else 200)


@require_POST
@login_required
def proof_answer(request: HttpRequest, slug: str, case_id: int) -> HttpResponse:
    account = _account_answering(request, slug)
    try:
        case = selectors.proof_request_of(account, case_id)
    except NotFound:
        raise Http404("no such proof request") from None
    form = ProofAnswerForm(request.POST)
    if form.is_valid():
        try:
            abuse.answer_proof(
                case,
                actor=Actor.for_user(request.user, request),
                statement=form.cleaned_data["statement"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, "statement")
        else:
            messages.success(request, _("Your proof is with the operator."))
            return redirect("web:proof_requests", account.slug)
    return _render_proofs(request, account, form, failed=case.pk)
