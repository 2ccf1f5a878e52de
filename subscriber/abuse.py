"""The public abuse form (ABUSE-1): anyone reports a mailing, with its mailing ID or the
mail itself. No CAPTCHA: a limit per client address and hour, a honeypot, and a size
limit on every field; the report opens a case on the operator's abuse desk."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core import ratelimit
from core.errors import InvalidInput
from core.http import client_ip
from governance import abuse

# Reports per client address and hour: a person reports a few mails, a script no more.
REPORTS_PER_HOUR = 5
MAX_MAIL_BYTES = 256 * 1024
HONEYPOT = "website"


class AbuseReportForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        required=False,
        max_length=254,
        help_text=gettext_lazy("Optional: for questions, and to take you off the list."),
    )
    quoted = forms.CharField(
        label=gettext_lazy("Mailing ID"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("At the foot of the mail, e.g. consentry-12-345."),
    )
    text = forms.CharField(
        label=gettext_lazy("What happened"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea,
    )
    mail = forms.FileField(
        label=gettext_lazy("The mail itself (.eml)"),
        required=False,
        help_text=gettext_lazy("Saved from your mail program, at most 256 KB."),
    )

    def clean_mail(self) -> bytes | None:
        upload = self.cleaned_data.get("mail")
        if upload is None:
            return None
        if upload.size > MAX_MAIL_BYTES:
            raise forms.ValidationError(gettext_lazy("The mail is larger than 256 KB."))
        data: bytes = upload.read()
        return data


@require_http_methods(["GET", "POST"])
def report_abuse(request: HttpRequest) -> HttpResponse:
    form = AbuseReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST":
        if not ratelimit.allow(
            "abuse-form", client_ip(request) or "-", limit=REPORTS_PER_HOUR, window_seconds=3600
        ):
            return render(
                request, "subscriber/abuse_report.html", {"form": form, "busy": True}, status=429
            )
        if request.POST.get(HONEYPOT):
            return redirect("subscriber:abuse_thanks")
        if form.is_valid():
            try:
                abuse.open_from_form(
                    reporter=form.cleaned_data["email"],
                    text=form.cleaned_data["text"],
                    quoted=form.cleaned_data["quoted"],
                    mail=form.cleaned_data["mail"],
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("subscriber:abuse_thanks")
    return render(
        request,
        "subscriber/abuse_report.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@require_GET
def abuse_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriber/abuse_thanks.html")
