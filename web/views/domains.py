"""Sender domains: the list, adding one, and one domain's records to publish and checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.actors import Actor
from core.errors import DomainError, NotFound
from domains import selectors, services
from domains.models import SenderDomain
from web.access import MANAGERS, get_account_for_user
from web.errors import add_domain_error


class DomainForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Domain"),
        max_length=300,
        help_text=gettext_lazy("The domain of your From address, e.g. news.example.com."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    return_path_host = forms.CharField(
        label=gettext_lazy("Return-path host"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "Receives the bounces: a name below your domain whose MX record points at us. "
            "Empty: bounce. followed by your domain."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    ed25519 = forms.BooleanField(
        label=gettext_lazy("Also sign with an Ed25519 key"),
        required=False,
        help_text=gettext_lazy("A second, shorter signature (RFC 8463); RSA-2048 always signs."),
    )


def get_domain_for_user(
    request: HttpRequest, slug: str, domain_id: int, *, roles: Any = None
) -> SenderDomain:
    """The domain if the user works in its account (in one of `roles`, when given); 404 for
    anyone else's (PRIVACY-2)."""
    account = get_account_for_user(request, slug, roles=roles)
    try:
        return selectors.domain_of(account, domain_id)
    except NotFound:
        raise Http404("no such sender domain") from None


@require_http_methods(["GET", "POST"])
@login_required
def domains(request: HttpRequest, slug: str) -> HttpResponse:
    """Members see the domains; owners and operators add them (ACCOUNT-2)."""
    account = get_account_for_user(
        request, slug, roles=MANAGERS if request.method == "POST" else None
    )
    form = DomainForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            domain = services.add_domain(
                account,
                form.cleaned_data["name"],
                actor=Actor.for_user(request.user, request),
                ed25519=form.cleaned_data["ed25519"],
                return_path_host=form.cleaned_data["return_path_host"],
            )
        except DomainError as exc:
            on_host = exc.message.startswith("return-path host")
            add_domain_error(form, exc, "return_path_host" if on_host else "name")
        else:
            messages.success(
                request, _("Domain added. Publish the records below, then check them.")
            )
            return redirect("web:domain", account.slug, domain.pk)
    context = {
        "account": account,
        "section": "domains",
        "domains": selectors.domains_of(account),
        "form": form,
        "may_add": getattr(request, "account_role", None) in MANAGERS,
    }
    return render(request, "web/domains/list.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET"])
@login_required
def domain_detail(request: HttpRequest, slug: str, domain_id: int) -> HttpResponse:
    domain = get_domain_for_user(request, slug, domain_id)
    context = {
        "account": domain.account,
        "section": "domains",
        "domain": domain,
        "records": selectors.records_to_publish(domain),
        "checks": selectors.checks_of(domain),
        "block_reasons": selectors.sending_block_reasons(domain.account, domain.name),
        "sandbox_dns": settings.DNS_SANDBOX,
        "may_publish": getattr(request, "account_role", None) in MANAGERS,
    }
    return render(request, "web/domains/detail.html", context)


@require_POST
@login_required
def domain_check(request: HttpRequest, slug: str, domain_id: int) -> HttpResponse:
    """Every member may ask for a check: it only reads DNS and records the answer."""
    domain = get_domain_for_user(request, slug, domain_id)
    checked = services.check_domain(domain, actor=Actor.for_user(request.user, request))
    if checked.status == "verified":
        messages.success(request, _("All records pass: the domain is verified."))
    else:
        messages.warning(request, _("Checked. Some records do not pass yet: see below."))
    return redirect("web:domain", slug, domain_id)


@require_POST
@login_required
def domain_sandbox_publish(request: HttpRequest, slug: str, domain_id: int) -> HttpResponse:
    """Owners and operators publish the records in the sandbox DNS (only while mail goes
    to the sandbox mailbox), then the domain is checked against it at once."""
    domain = get_domain_for_user(request, slug, domain_id, roles=MANAGERS)
    actor = Actor.for_user(request.user, request)
    try:
        services.publish_in_sandbox(domain, actor=actor)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:domain", slug, domain_id)
    checked = services.check_domain(domain, actor=actor)
    if checked.status == "verified":
        messages.success(
            request, _("Published in the sandbox DNS and checked: the domain is verified.")
        )
    else:
        messages.warning(request, _("Published in the sandbox DNS. Some records do not pass yet."))
    return redirect("web:domain", slug, domain_id)
