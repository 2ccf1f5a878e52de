from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"

    def ready(self) -> None:
        from contacts.signals import contact_erased
        from imports import services

        contact_erased.connect(services.erase_from_reports, dispatch_uid="imports.reports")
