from __future__ import annotations

from django.apps import AppConfig


class SubscriberConfig(AppConfig):
    name = "subscriber"
