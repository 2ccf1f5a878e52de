from __future__ import annotations

from django.apps import AppConfig


class CarrierConfig(AppConfig):
    name = "carrier"

    def ready(self) -> None:
        from carrier import checks  # noqa: F401  (registers the system checks)
