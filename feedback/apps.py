from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        # Connects the receiver of anymail's tracking signal (provider webhooks, BOUNCE-2).
        from feedback import webhooks  # noqa: F401
