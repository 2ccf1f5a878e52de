"""Templates: an account's saved layouts (HTML with one content area, a text version), made
from a starter or written here, changed and deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import layouts
from campaigns.models import Template
from core.actors import Actor
from core.errors import DomainError, NotFound
from web.access import get_account_for_user
from web.errors import add_domain_error, raise_for_http
from web.views.campaigns import STARTER_LABELS

_HTML_HELP = gettext_lazy(
    "Jinja2 with exactly one content area, {{ content }}, where each campaign's text goes; "
    "{{ unsubscribe_url }} and {{ imprint }} are required."
)


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    html = forms.CharField(
        label=gettext_lazy("HTML"),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=_HTML_HELP,
    )
    text = forms.CharField(
        label=gettext_lazy("Text version"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        required=False,
        help_text=gettext_lazy("Empty: made from the HTML."),
    )


class NewTemplateForm(TemplateForm):
    starter = forms.ChoiceField(
        label=gettext_lazy("Start from"),
        required=False,
        choices=[("", gettext_lazy("My own HTML")), *STARTER_LABELS.items()],
    )
    field_order = ["name", "starter", "html", "text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["html"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("starter") and not (data.get("html") or "").strip():
            self.add_error("html", _("Choose a starter or write the HTML."))
        return data


def _template(request: HttpRequest, slug: str, template_id: int) -> Template:
    account = get_account_for_user(request, slug)
    try:
        return layouts.template_of(account, template_id)
    except NotFound:
        raise Http404("no such template") from None


@require_http_methods(["GET", "POST"])
@login_required
def templates(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    form = NewTemplateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            template = layouts.create_template(
                account,
                actor=Actor.for_user(request.user, request),
                name=form.cleaned_data["name"],
                html=form.cleaned_data["html"],
                text=form.cleaned_data["text"],
                starter_name=form.cleaned_data["starter"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("web:template", slug, template.pk)
    context = {
        "account": account,
        "section": "templates",
        "templates": layouts.templates_of(account),
        "form": form,
    }
    return render(request, "web/templates/list.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@login_required
def template_detail(request: HttpRequest, slug: str, template_id: int) -> HttpResponse:
    template = _template(request, slug, template_id)
    initial = {"name": template.name, "html": template.html, "text": template.text}
    form = TemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            layouts.update_template(
                template, actor=Actor.for_user(request.user, request), **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("web:template", slug, template_id)
    context = {
        "account": template.account,
        "section": "templates",
        "template": template,
        "form": form,
    }
    return render(
        request, "web/templates/detail.html", context, status=400 if form.is_bound else 200
    )


@require_POST
@login_required
def template_delete(request: HttpRequest, slug: str, template_id: int) -> HttpResponse:
    template = _template(request, slug, template_id)
    try:
        layouts.delete_template(template, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect("web:template", slug, template_id)
    messages.success(request, _("Template deleted."))
    return redirect("web:templates", slug)
