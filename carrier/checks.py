"""System checks for outbound mail: a bad CONSENTRY_SMTP_URL stops the start, not a send."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register()
def check_smtp_url(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    from carrier.transports.smtp import SmtpConfig

    if not settings.SMTP_URL:
        return []
    try:
        config = SmtpConfig.from_url(settings.SMTP_URL)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="delivery.E001")]
    problems: list[Error | Warning] = []
    remote = config.host not in LOOPBACK
    if remote and config.username and not config.encrypted:
        problems.append(
            Warning(
                "CONSENTRY_SMTP_URL sends a password in clear text to a remote host: "
                "use smtps:// or ?starttls=1.",
                id="delivery.W001",
            )
        )
    if remote and config.encrypted and not config.verify:
        problems.append(
            Warning(
                "CONSENTRY_SMTP_URL has verify=0: any certificate is accepted from a remote "
                "host. Prefer cafile=<path> for a private CA.",
                id="delivery.W002",
            )
        )
    return problems


@register()
def check_feedback_sender_id(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """INDUSTRY-3: Gmail reads a SenderId of 5 to 15 letters or digits."""
    value = settings.FEEDBACK_SENDER_ID
    if 5 <= len(value) <= 15 and value.isascii() and value.isalnum():
        return []
    return [
        Error(
            f"CONSENTRY_FEEDBACK_SENDER_ID must be 5 to 15 letters or digits, got {value!r}",
            id="delivery.E002",
        )
    ]


@register(deploy=True)
def check_sender_records(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Mail leaves the machine, but the sender-domain checks have nothing to judge by."""
    if not settings.SMTP_URL:
        return []
    problems = []
    if not settings.SENDING_IPS and not settings.SPF_INCLUDE:
        problems.append(
            Warning(
                "CONSENTRY_SMTP_URL is set but neither CONSENTRY_SENDING_IPS nor "
                "CONSENTRY_SPF_INCLUDE: sender domains' SPF records cannot be judged.",
                hint="Name the relay's include domain or the addresses mail leaves from.",
                id="delivery.W003",
            )
        )
    if not settings.INBOUND_HOST:
        problems.append(
            Warning(
                "CONSENTRY_SMTP_URL is set but not CONSENTRY_INBOUND_HOST: sender domains' "
                "return-path hosts cannot be checked and DMARC asks for no aggregate reports.",
                hint="Name the public host whose MX receives mail for `consentry inbound`.",
                id="delivery.W004",
            )
        )
    return problems
