"""The webhook doors (BOUNCE-2): anymail's tracking views for Amazon SES (SNS), SendGrid,
Mailgun and Postmark, and the generic signed JSON webhook.

Thin: each door answers 404 until its provider's secret is configured and leaves checking
signatures and parsing to anymail (a forged request raises AnymailWebhookValidationFailure,
which Django answers with 400). Only the generic webhook is rate-limited per client.
The anymail views read their secrets from consentry's settings on every request, so the
environment (config/env.py) is the one place they come from.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from typing import Any

from anymail.exceptions import AnymailNotSupportedWarning, AnymailWebhookValidationFailure
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.base import AnymailBaseWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import ratelimit
from core.errors import InvalidInput
from core.http import client_ip
from feedback import replays, sns, webhooks

# anymail warns on every SendGrid request that it no longer tests SendGrid itself; the
# webhook format and its signature are stable and covered by our own tests.
warnings.filterwarnings("ignore", category=AnymailNotSupportedWarning, module="anymail")


def _basic_auth() -> list[str]:
    return [settings.WEBHOOK_SECRET] if settings.WEBHOOK_SECRET else []


class KeepsUnreadable:
    """An authenticated request anymail cannot parse (a changed format, the inbound webhook
    pointed at the tracking URL) is kept for review instead of failing (BOUNCE-1). Runs
    only after the signature checks, so strangers cannot fill the review queue."""

    esp_name: str

    def parse_events(self, request: HttpRequest) -> list[Any]:
        try:
            return super().parse_events(request)  # type: ignore[misc]
        except Exception as exc:
            webhooks.hold_for_review(
                request.body,
                esp=webhooks.esp_key(self.esp_name),
                reason=f"unreadable {self.esp_name} webhook: {type(exc).__name__}: {exc}",
            )
            return []


class AmazonSesTracking(KeepsUnreadable, AmazonSESTrackingWebhookView):
    """SES through SNS: basic auth, then SNS's signature (which anymail does not check),
    optionally only from the configured topics. Subscriptions are not confirmed
    automatically (that needs boto3): the request waits in the review queue with the URL
    an operator opens once."""

    def __init__(self, **kwargs: Any) -> None:
        self.auto_confirm_enabled = False
        self.session_params: dict[str, Any] = {}
        self.client_params: dict[str, Any] = {}
        # Skips the SES base class, whose only extra work is reading boto3 parameters.
        AnymailBaseWebhookView.__init__(self, webhook_secret=_basic_auth(), **kwargs)

    def run_validators(self, request: HttpRequest) -> None:
        super().run_validators(request)  # basic auth first: strangers cause no fetch
        message = self._parse_sns_message(request)
        topics = settings.SES_SNS_TOPIC_ARNS
        if topics and message.get("TopicArn") not in topics:
            raise AnymailWebhookValidationFailure("SNS topic not in CONSENTRY_SES_SNS_TOPIC_ARNS")
        if settings.SES_VERIFY_SNS_SIGNATURES:
            try:
                sns.verify(message)
            except sns.BadSignature as exc:
                raise AnymailWebhookValidationFailure(f"SNS message refused: {exc}") from None

    def auto_confirm_sns_subscription(self, sns_message: dict[str, Any]) -> None:
        webhooks.hold_for_review(
            json.dumps(sns_message).encode(),
            esp="amazon_ses",
            reason=(
                f"confirm the SNS subscription to {sns_message.get('TopicArn')}: open "
                f"{sns_message.get('SubscribeURL')}"
            ),
        )


class SendGridTracking(KeepsUnreadable, SendGridTrackingWebhookView):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            webhook_secret=_basic_auth(),
            tracking_webhook_verification_key=settings.SENDGRID_WEBHOOK_VERIFICATION_KEY or None,
            **kwargs,
        )


class MailgunTracking(KeepsUnreadable, MailgunTrackingWebhookView):
    """Mailgun signs a timestamp and a token, not the body: a signature seen once could
    carry any other event. So each token is accepted once (for as long as Mailgun retries),
    and given back if processing failed, so that Mailgun's retry is not refused."""

    claimed = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            webhook_secret=_basic_auth(),
            webhook_signing_key=settings.MAILGUN_WEBHOOK_SIGNING_KEY,
            **kwargs,
        )

    def run_validators(self, request: HttpRequest) -> None:
        super().run_validators(request)  # the signature is right: now the token is real
        token = _mailgun_token(request)
        if not replays.claim(f"mailgun:{token}", seconds=MAILGUN_TOKEN_SECONDS):
            raise AnymailWebhookValidationFailure("Mailgun webhook token used before")
        self.claimed = token

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)
        except Exception:
            if self.claimed:
                replays.release(f"mailgun:{self.claimed}")
            raise


# Mailgun retries a failed webhook for 8 hours; a token is remembered a little longer.
MAILGUN_TOKEN_SECONDS = 9 * 3600


def _mailgun_token(request: HttpRequest) -> str:
    if request.content_type == "application/json":
        return str(json.loads(request.body)["signature"]["token"])
    return str(request.POST["token"])


class PostmarkTracking(KeepsUnreadable, PostmarkTrackingWebhookView):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(webhook_secret=_basic_auth(), **kwargs)


# Which secret opens which door: a provider without its own signature needs basic auth.
CONFIGURED: dict[str, Callable[[], bool]] = {
    "amazon_ses": lambda: bool(settings.WEBHOOK_SECRET),
    "sendgrid": lambda: bool(settings.SENDGRID_WEBHOOK_VERIFICATION_KEY or settings.WEBHOOK_SECRET),
    "mailgun": lambda: bool(settings.MAILGUN_WEBHOOK_SIGNING_KEY),
    "postmark": lambda: bool(settings.WEBHOOK_SECRET),
}
VIEWS: dict[str, Any] = {
    "amazon_ses": AmazonSesTracking,
    "sendgrid": SendGridTracking,
    "mailgun": MailgunTracking,
    "postmark": PostmarkTracking,
}


def _too_many() -> HttpResponse:
    response = JsonResponse({"error": "too many requests"}, status=429)
    response["Retry-After"] = "60"
    return response


def _within_limit(request: HttpRequest) -> bool:
    return ratelimit.allow(
        "webhook", client_ip(request), limit=settings.WEBHOOK_MAX_PER_MINUTE, window_seconds=60
    )


def provider_door(esp: str) -> Callable[..., HttpResponse]:
    """The tracking webhook of one provider, closed (404) until it is configured."""
    view = VIEWS[esp].as_view()
    configured = CONFIGURED[esp]

    @csrf_exempt
    def door(request: HttpRequest) -> HttpResponse:
        # No rate limit here: SNS and the others drop an event after a few refused
        # retries, and a burst of bounces from a large send must not be turned away. A
        # forged request costs one signature check and writes nothing.
        if not configured():
            raise Http404
        return view(request)

    return door


@csrf_exempt
@require_POST
def generic(request: HttpRequest) -> HttpResponse:
    """`POST /webhooks/generic/`: one bounce or complaint from a relay anymail does not
    know. `X-Consentry-Timestamp` is the Unix time of sending (within five minutes of ours)
    and `X-Consentry-Signature` is `sha256=` and the HMAC-SHA256, keyed by
    CONSENTRY_WEBHOOK_SECRET, of the timestamp, a dot and the raw body. The same body is
    accepted once (409 after), by every web process."""
    if not settings.WEBHOOK_SECRET:
        raise Http404
    if not _within_limit(request):
        return _too_many()
    signature = request.headers.get("X-Consentry-Signature", "")
    timestamp = request.headers.get("X-Consentry-Timestamp", "")
    if not webhooks.signature_ok(
        request.body, signature, timestamp, settings.WEBHOOK_SECRET, now=time.time()
    ):
        return JsonResponse(
            {"error": "missing, expired or invalid X-Consentry-Signature/X-Consentry-Timestamp"},
            status=403,
        )
    key = webhooks.replay_key(request.body)
    if not replays.claim(key, seconds=2 * webhooks.GENERIC_WINDOW_SECONDS):
        return JsonResponse({"error": "this delivery was received before"}, status=409)
    try:
        message = webhooks.receive_generic(request.body, peer=client_ip(request))
    except InvalidInput as exc:
        return JsonResponse({"error": exc.message}, status=400)
    except Exception:
        replays.release(key)  # the sender's retry may succeed
        raise
    return JsonResponse({"inbound": message.pk, "state": message.state})
