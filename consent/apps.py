from __future__ import annotations

from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"

    def ready(self) -> None:
        from consent import services
        from contacts.signals import contact_erased
        from core import evidence

        # The apps below the ledger (contacts, domains) prove their changes through it.
        evidence.install(services)
        contact_erased.connect(services.destroy_contact_key, dispatch_uid="consent.contact_key")
