"""Background entry points of the send's unsubscribe links (run by `consentry worker`).

A send's own tasks (`send_batch`, `tend_sends`) live with their coordinator in
delivery.sends; the names below keep rows queued under their earlier paths runnable.
"""

from __future__ import annotations

from django_tasks import task

from delivery.links import apply_one_click_unsubscribes as apply
from delivery.sends import send_batch, tend_sends

__all__ = ["apply_one_click_unsubscribes", "send_batch", "tend_sends"]


@task()
def apply_one_click_unsubscribes() -> int:
    """Periodic: one-click unsubscribes received since the last run become subscription
    changes with their evidence (they already keep the contact out of every hand-over)."""
    return apply()
