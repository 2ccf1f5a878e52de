from __future__ import annotations

from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self) -> None:
        from contacts.signals import contact_erased
        from tracking import segment_fields, services

        # CONSENT-4/PRIVACY-1: opens and clicks go with the contact.
        contact_erased.connect(services.erase_contact_events, dispatch_uid="tracking.erase")
        # Segments may ask who opened or clicked, of the contacts who agreed to tracking.
        segment_fields.register()
