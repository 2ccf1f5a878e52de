from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        # Registers the webhook settings' checks and connects the receiver of anymail's
        # tracking signal (provider webhooks, BOUNCE-2).
        from feedback import checks, webhooks  # noqa: F401
