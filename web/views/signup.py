"""The public sign-up page (ACCOUNT-1) and the owner's confirmation link; the account's
page of its review (answers, the operator's questions, its own answer) and the guidelines
page where a user accepts a new version (ACCOUNT-4)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import guidelines as texts
from accounts import review
from accounts.models import Application, Frequency
from accounts.rules import MAX_EXPECTED_VOLUME
from campaigns import guidelines
from core import ratelimit
from core.actors import Actor
from core.errors import DomainError
from core.http import client_ip
from delivery import signup
from web.access import get_account_for_user
from web.errors import add_domain_error

# Sign-ups per client address and hour: a person signs up once, a script is turned away.
SIGNUPS_PER_IP_PER_HOUR = 10
# The owner's confirmation mail, sent again on request, per sign-up and hour.
OWNER_LINKS_PER_HOUR = 3
# Page views per client address and minute.
VIEWS_PER_IP_PER_MINUTE = 60


class SignupForm(forms.Form):
    company = forms.CharField(label=gettext_lazy("Company"), max_length=200)
    address = forms.CharField(
        label=gettext_lazy("Postal address"), max_length=1000, widget=forms.Textarea({"rows": 3})
    )
    register = forms.CharField(
        label=gettext_lazy("Register entry"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Court and number, as in your imprint."),
    )
    vat_id = forms.CharField(label=gettext_lazy("VAT ID"), max_length=50, required=False)
    representative = forms.CharField(label=gettext_lazy("Represented by"), max_length=300)
    website = forms.CharField(label=gettext_lazy("Website"), max_length=300)
    expected_volume = forms.IntegerField(
        label=gettext_lazy("Expected messages a month"), min_value=1, max_value=MAX_EXPECTED_VOLUME
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("Sending frequency"), choices=Frequency.choices
    )
    address_sources = forms.CharField(
        label=gettext_lazy("Where do your addresses come from?"),
        max_length=review.MAX_ANSWER,
        widget=forms.Textarea({"rows": 3}),
    )
    consent_method = forms.CharField(
        label=gettext_lazy("How did you collect the consent?"),
        max_length=review.MAX_ANSWER,
        widget=forms.Textarea({"rows": 3}),
        help_text=gettext_lazy("For example: double opt-in on our website, with the wording."),
    )
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254)
    password = forms.CharField(
        label=gettext_lazy("Password"), max_length=200, widget=forms.PasswordInput
    )
    accept = forms.BooleanField(
        label=gettext_lazy("I have read and accept the terms of use and the anti-spam guidelines.")
    )


def _data(form: SignupForm, language: str) -> review.SignupData:
    fields = {name: form.cleaned_data[name] for name in form.fields if name != "accept"}
    return review.SignupData(**fields, language=language)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_page(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request) or "-"
    if not ratelimit.allow("signup-page", ip, limit=VIEWS_PER_IP_PER_MINUTE):
        return HttpResponse(_("Too many requests: try again in a minute."), status=429)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.allow("signup", ip, limit=SIGNUPS_PER_IP_PER_HOUR, window_seconds=3600):
            return HttpResponse(_("Too many sign-ups from here: try again later."), status=429)
        try:
            application, _answer = signup.sign_up(
                _data(form, request.LANGUAGE_CODE),
                actor=Actor("public", "signup", ip, request.META.get("HTTP_USER_AGENT", "")[:500]),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return render(request, "web/signup/sent.html", {"email": application.owner_email})
    language = texts.language_of(request.LANGUAGE_CODE)
    context = {
        "form": form,
        "guidelines": texts.guidelines_text(language),
        "terms": texts.terms_text(language),
        "version": texts.GUIDELINES_VERSION,
    }
    return render(request, "web/signup/form.html", context, status=400 if form.is_bound else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a mail scanner's prefetch confirms nothing); POST confirms."""
    if request.method == "GET":
        return render(request, "web/signup/confirm.html", {"token": token})
    ip = client_ip(request) or "-"
    if not ratelimit.allow("signup-confirm", ip, limit=VIEWS_PER_IP_PER_MINUTE):
        return HttpResponse(_("Too many requests: try again in a minute."), status=429)
    try:
        application = signup.confirm_owner(token, actor=Actor("public", "signup", ip))
    except DomainError as exc:
        return render(request, "web/signup/confirm.html", {"error": exc.message}, status=400)
    return render(request, "web/signup/confirm.html", {"confirmed": application})


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Your answer"),
        max_length=review.MAX_ANSWER,
        widget=forms.Textarea({"rows": 5}),
    )


@require_http_methods(["GET", "POST"])
@login_required
def account_review(request: HttpRequest, slug: str) -> HttpResponse:
    """The account's side of its review: its answers, the operator's messages, an answer."""
    account = get_account_for_user(request, slug)
    application = Application.objects.filter(account=account).first()
    if request.method == "POST" and "resend" in request.POST and application is not None:
        _resend(request, application)
        return redirect("web:account_review", slug)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            review.answer(account, request.user, form.cleaned_data["answer"])
        except DomainError as exc:
            add_domain_error(form, exc, "answer")
        else:
            messages.success(request, _("Sent: the operator reviews the account again."))
            return redirect("web:account_review", slug)
    context = {
        "account": account,
        "section": "review",
        "application": application,
        "conversation": application.messages.all() if application else [],
        "form": form,
    }
    return render(request, "web/signup/review.html", context)


def _resend(request: HttpRequest, application: Application) -> None:
    """The owner's confirmation mail again (a few times an hour at most)."""
    if application.email_confirmed_at is not None:
        return
    if not ratelimit.allow(
        "owner-link", str(application.pk), limit=OWNER_LINKS_PER_HOUR, window_seconds=3600
    ):
        messages.error(request, _("Too many requests: try again later."))
        return
    signup.mail_owner_link(application)
    messages.success(
        request,
        _("A new confirmation link went to %(email)s.") % {"email": application.owner_email},
    )


@require_http_methods(["GET", "POST"])
@login_required
def guidelines_page(request: HttpRequest, slug: str) -> HttpResponse:
    """ACCOUNT-4: the guidelines in force; a user who has not accepted them accepts here."""
    account = get_account_for_user(request, slug)
    due = guidelines.changed_for(account, request.user.pk)
    if request.method == "POST" and request.POST.get("accept") == "on" and due:
        guidelines.accept(
            account,
            actor=Actor.for_user(request.user, request),
            context="changed",
            language=request.LANGUAGE_CODE,
        )
        messages.success(request, _("Thank you: your acceptance is recorded."))
        return redirect("web:account", slug)
    context = {
        "account": account,
        "section": "guidelines",
        "guidelines": guidelines.wording(request.LANGUAGE_CODE),
        "version": texts.GUIDELINES_VERSION,
        "due": due,
    }
    return render(request, "web/signup/guidelines.html", context)
