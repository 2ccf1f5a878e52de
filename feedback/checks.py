"""System checks of the webhook settings (BOUNCE-2): a key that cannot work fails at start,
not at the provider's first event."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

# The HMAC key of the generic webhook and the password of basic auth: guessable below this.
MIN_SECRET_LENGTH = 16


@register()
def check_webhook_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    key = settings.SENDGRID_WEBHOOK_VERIFICATION_KEY
    if key and not _is_public_key(key):
        problems.append(
            Error(
                "CONSENTRY_SENDGRID_WEBHOOK_VERIFICATION_KEY is not a base64 public key "
                "(copy it from SendGrid's signed event webhook settings).",
                id="feedback.E001",
            )
        )
    secret = settings.WEBHOOK_SECRET
    if secret and len(secret.partition(":")[2]) < MIN_SECRET_LENGTH:
        problems.append(
            Warning(
                f"The password in CONSENTRY_WEBHOOK_SECRET is shorter than {MIN_SECRET_LENGTH} "
                "characters; it is the only authentication of the SES and Postmark webhooks.",
                id="feedback.W001",
            )
        )
    return problems


def _is_public_key(key: str) -> bool:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        load_der_public_key(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError, TypeError):
        return False
    return True
