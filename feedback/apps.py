from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        # Registers the webhook settings' checks and connects the receiver of anymail's
        # tracking signal (provider webhooks, BOUNCE-2).
        from delivery import failures
        from feedback import checks, webhooks  # noqa: F401
        from feedback.apply import record_sync_failures

        # INDUSTRY-4: a rejection at SMTP time is applied like a DSN.
        failures.register(record_sync_failures)
