"""Opens and clicks as segment conditions, for contacts who agreed to tracking alone.

Registered when the app is ready (tracking.apps): contacts cannot see tracking. A contact
who did not agree matches none of these conditions, not even "never": nothing is known of
them, and a segment must not tell them apart by what was not recorded. Machine opens and
clicks (privacy proxies, scanners) do not count.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.segment_rules import Condition, FieldSpec, Kind
from contacts.segments import Builder, register_field
from tracking.models import EventKind, TrackingEvent

if TYPE_CHECKING:
    from accounts.models import Account

OPS = {
    "within": _("within the last (days)"),
    "not_within": _("not within the last (days)"),
    "never": _("never"),
}


def _engaged(kind: str) -> Builder:
    def build(c: Condition, account: Account) -> Q:
        events = TrackingEvent.objects.filter(
            contact_id=OuterRef("pk"), campaign__account_id=account.pk, kind=kind, machine=""
        )
        consenting = Q(tracking_consent=True)
        if c.op == "never":
            return consenting & ~Q(Exists(events))
        recent = Exists(events.filter(at__gte=timezone.now() - timedelta(days=c.value)))
        return consenting & (Q(recent) if c.op == "within" else ~Q(recent))

    return build


def register() -> None:
    for name, label, kind in (
        ("opened", _("Opened a campaign (tracking agreed)"), EventKind.OPEN),
        ("clicked", _("Clicked a link (tracking agreed)"), EventKind.CLICK),
    ):
        register_field(
            FieldSpec(name, label, Kind.DAYS, OPS, no_value=frozenset({"never"})),
            _engaged(kind),
        )
