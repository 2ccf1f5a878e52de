"""Signup forms (FORM-1): create one per list, copy its hosted link or embed code, and
change its consent text (each change is a new wording version)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from consent import doi, tracking
from consent.models import SignupForm
from consent.selectors import signup_stats, wording_versions
from core.actors import Actor
from core.errors import DomainError
from web.access import get_form_for_user, get_list_for_user
from web.errors import add_domain_error


class SignupFormForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    ask_name = forms.BooleanField(
        label=gettext_lazy("Ask for first and last name"), required=False, initial=True
    )
    custom_fields = forms.CharField(
        label=gettext_lazy("Further fields"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Comma-separated field names, e.g. “city, company”; a * makes one required."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Page language"),
        choices=SignupForm.Language.choices,
    )
    consent_text = forms.CharField(
        label=gettext_lazy("Consent text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Shown next to the checkbox and quoted in the confirmation mail. "
            "Empty: a standard text in the list's language."
        ),
    )
    tracking_text = forms.CharField(
        label=gettext_lazy("Tracking consent text (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "A second, optional checkbox: only people who tick it have their opens and "
            "clicks counted. Empty: the form does not ask, and nobody who signs up through "
            "it is tracked."
        ),
    )

    def custom_field_specs(self) -> list[dict[str, object]]:
        specs = []
        for raw in self.cleaned_data["custom_fields"].split(","):
            name = raw.strip()
            if name:
                required = name.endswith("*")
                name = name.rstrip("*").strip()
                specs.append(
                    {
                        "name": name,
                        "label": name.replace("_", " ").capitalize(),
                        "required": required,
                    }
                )
        return specs


class ConsentTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Consent text"), widget=forms.Textarea(attrs={"rows": 4})
    )
    tracking_text = SignupFormForm.base_fields["tracking_text"]


@require_POST
@login_required
def form_create(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    lst = get_list_for_user(request, slug, list_id)
    form = SignupFormForm(request.POST)
    if form.is_valid():
        try:
            created = doi.create_form(
                lst,
                actor=Actor.for_user(request.user, request),
                name=form.cleaned_data["name"],
                consent_text=form.cleaned_data["consent_text"],
                ask_name=form.cleaned_data["ask_name"],
                custom_fields=form.custom_field_specs(),
                language=form.cleaned_data["language"],
                tracking_text=form.cleaned_data["tracking_text"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Signup form created."))
            return redirect("web:signup_form", lst.account.slug, created.pk)
    else:
        messages.error(request, _("Please check the form's settings."))
    return redirect("web:list", lst.account.slug, lst.pk)


@require_http_methods(["GET", "POST"])
@login_required
def form_detail(request: HttpRequest, slug: str, form_id: int) -> HttpResponse:
    signup_form = get_form_for_user(request, slug, form_id)
    asked = tracking.tracking_wording(signup_form)
    text_form = ConsentTextForm(
        request.POST or None,
        initial={
            "text": doi.current_wording(signup_form).text,
            "tracking_text": asked.text if asked else "",
        },
    )
    if request.method == "POST" and text_form.is_valid():
        actor = Actor.for_user(request.user, request)
        try:
            wording = doi.set_consent_text(signup_form, text_form.cleaned_data["text"], actor=actor)
            if text_form.cleaned_data["tracking_text"].strip() != (asked.text if asked else ""):
                tracking.set_tracking_text(
                    signup_form, text_form.cleaned_data["tracking_text"], actor=actor
                )
        except DomainError as exc:
            add_domain_error(text_form, exc, "text")
        else:
            messages.success(
                request, _("Consent text saved as version %(v)s.") % {"v": wording.version}
            )
            return redirect("web:signup_form", signup_form.account.slug, signup_form.pk)
    hosted_url = settings.BASE_URL + reverse("subscriber:signup", args=[signup_form.public_id])
    context = {
        "account": signup_form.account,
        "section": "lists",
        "signup_form": signup_form,
        "hosted_url": hosted_url,
        "embed_code": render_to_string(
            "web/forms/embed.html",
            {
                "form": signup_form,
                "action": hosted_url,
                "wording": doi.current_wording(signup_form),
                "tracking_wording": asked,
            },
        ).strip(),
        "versions": wording_versions(signup_form),
        "stats": signup_stats(signup_form),
        "text_form": text_form,
    }
    return render(
        request, "web/forms/detail.html", context, status=400 if text_form.errors else 200
    )
