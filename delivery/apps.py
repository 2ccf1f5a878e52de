from __future__ import annotations

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"

    def ready(self) -> None:
        from delivery import audience, checks, sends  # noqa: F401 (checks registers itself)
        from domains.signals import domain_status_changed

        # DOMAIN-1: running sends follow their sender domain's checks.
        audience.register_segment_fields()
        domain_status_changed.connect(sends.follow_domain, dispatch_uid="delivery.follow_domain")
