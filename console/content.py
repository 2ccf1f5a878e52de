"""/console/content/: the URL blocklist every campaign link is checked against, and the
operator's stop of a send for its content (CONTENT-6). Every change says why and is in the
audit log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.access import operator_required
from console.forms import ReasonForm
from core.actors import Actor
from core.errors import DomainError
from policy import services
from policy.selectors import blocked_urls


class BlockedUrlForm(ReasonForm):
    pattern = forms.CharField(
        label=gettext_lazy("Host or URL"),
        max_length=500,
        help_text=gettext_lazy(
            "bad.example blocks that host and every name below it; files.example/path only "
            "links there."
        ),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)
    field_order = ["pattern", "note", "reason"]


class RemoveForm(ReasonForm):
    pattern = forms.CharField(widget=forms.HiddenInput, max_length=500)


class StopForm(ReasonForm):
    campaign = forms.IntegerField(label=gettext_lazy("Campaign number"), min_value=1)
    field_order = ["campaign", "reason"]


@operator_required
def content(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    add_form = BlockedUrlForm(request.POST if action == "add" else None, prefix="add")
    stop_form = StopForm(request.POST if action == "stop" else None, prefix="stop")
    remove_form = RemoveForm(request.POST if action == "remove" else None, prefix="remove")
    actor = Actor.for_user(request.user, request)
    done = ""
    try:
        if action == "add" and add_form.is_valid():
            data = add_form.cleaned_data
            services.add_blocked_url(
                data["pattern"], by=actor, note=data["note"], reason=data["reason"]
            )
            done = _("Added to the URL blocklist.")
        elif action == "remove" and remove_form.is_valid():
            data = remove_form.cleaned_data
            services.remove_blocked_url(data["pattern"], by=actor, reason=data["reason"])
            done = _("Taken off the URL blocklist.")
        elif action == "stop" and stop_form.is_valid():
            from delivery.sends import stop_for_content

            data = stop_form.cleaned_data
            stop_for_content(data["campaign"], reason=data["reason"], actor=actor)
            done = _("The send is stopped; the account sees the reason.")
    except DomainError as exc:
        form = {"add": add_form, "stop": stop_form}.get(action, remove_form)
        form.add_error(None, exc.message)
    if done:
        messages.success(request, done)
        return redirect("console:content")
    failed = any(f.errors for f in (add_form, stop_form, remove_form))
    context = {
        "section": "content",
        "entries": blocked_urls()[:500],
        "add_form": add_form,
        "stop_form": stop_form,
        "remove_form": RemoveForm(prefix="remove"),
        "remove_errors": remove_form.errors if action == "remove" else None,
    }
    return render(request, "console/content.html", context, status=400 if failed else 200)
