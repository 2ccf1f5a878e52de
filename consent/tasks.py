"""Background entry points for consent: thin, they call one service each.

The confirmation mail's task lives with the double opt-in that enqueues it
(consent.doi.send_confirmation); the name below keeps rows queued under its earlier path
runnable.
"""

from __future__ import annotations

from django_tasks import task

from consent.doi import expire_pending, send_confirmation

__all__ = ["expire_pending_signups", "send_confirmation"]


@task()
def expire_pending_signups() -> int:
    return expire_pending()
