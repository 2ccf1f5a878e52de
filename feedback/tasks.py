"""Background entry points of the feedback app (run by `consentry worker`)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task()
def poll_mailbox() -> int:
    """Periodic (when CONSENTRY_MAILBOX_URL is set): BOUNCE-2's mailbox source."""
    from feedback.mailbox import MailboxConfig, poll

    if not settings.MAILBOX_URL:
        return 0
    return poll(
        MailboxConfig.from_url(settings.MAILBOX_URL), fallback_recipient=settings.MAILBOX_ADDRESS
    ).stored
