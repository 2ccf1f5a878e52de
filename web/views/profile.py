"""The signed-in user's own settings: the language they read the pages in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import services as accounts
from accounts.selectors import language_of
from web.forms import ProfileForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"language": language_of(request.user)},
    )
    if form.is_valid():
        language = form.cleaned_data["language"]
        accounts.set_language(request.user, language)
        # The confirmation already reads in the language just chosen.
        translation.activate(language or translation.get_language_from_request(request))
        messages.success(request, _("Your profile is saved."))
        return redirect("web:profile")
    status = 400 if form.is_bound else 200
    return render(request, "web/profile.html", {"form": form}, status=status)
