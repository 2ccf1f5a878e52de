"""Forgotten passwords: a reset link by e-mail, through the platform's mail transport.

The answer to a request is the same for every address, known or not, so the page tells
nobody who has an account. Requests are limited per client address (429) and per e-mail
address (silently: the page looks the same, no mail goes out).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse_lazy

from carrier.services import send_transactional
from carrier.transports import TransportError
from core import ratelimit
from core.http import client_ip

logger = logging.getLogger(__name__)

# Requests per hour: from one client address, and for one e-mail address.
PER_CLIENT_PER_HOUR = 10
PER_ADDRESS_PER_HOUR = 3


class TransportPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        text = loader.render_to_string(email_template_name, context)
        try:
            send_transactional(
                account=None,
                from_addr=settings.DEFAULT_FROM_EMAIL,
                to=to_email,
                subject=subject,
                text=text,
                headers={"Auto-Submitted": "auto-generated"},
            )
        except TransportError as exc:
            logger.warning("password reset mail not sent: %s", exc)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = TransportPasswordResetForm
    template_name = "web/password/reset_form.html"
    email_template_name = "web/password/reset_email.txt"
    subject_template_name = "web/password/reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")
    extra_email_context = {"base_url": settings.BASE_URL}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not ratelimit.allow(
            "password-reset-client", client_ip(request) or "-", limit=PER_CLIENT_PER_HOUR,
            window_seconds=3600,
        ):  # fmt: skip
            return render(request, "web/password/reset_throttled.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = form.cleaned_data["email"].strip().lower()
        if not ratelimit.allow(
            "password-reset-address", address, limit=PER_ADDRESS_PER_HOUR, window_seconds=3600
        ):
            # The same page as a sent link: the limit reveals nothing about the address.
            return super(auth_views.PasswordResetView, self).form_valid(form)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/password/reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/password/reset_confirm.html",
    success_url=reverse_lazy("web:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/password/reset_complete.html"
)
