"""The replay store of the webhooks: a delivery is accepted once, whichever process sees it.

Kept in the database (a unique key per delivery), or in Redis when CONSENTRY_CACHE_URL
names one (an atomic add there): both are shared by every web process and machine, unlike
the local-memory cache. A claim is given back when processing fails, so that the
provider's retry of the same delivery is not refused.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback.models import WebhookReplay


def claim(key: str, *, seconds: int) -> bool:
    """True the first time `key` is claimed within `seconds`; False for a replay."""
    if settings.CACHE_URL:
        return bool(cache.add(f"webhook-replay:{key}", 1, timeout=seconds))
    now = timezone.now()
    WebhookReplay.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            WebhookReplay.objects.create(
                key=key, seen_at=now, expires_at=now + timedelta(seconds=seconds)
            )
    except IntegrityError:
        return False
    return True


def release(key: str) -> None:
    if settings.CACHE_URL:
        cache.delete(f"webhook-replay:{key}")
    else:
        WebhookReplay.objects.filter(key=key).delete()
